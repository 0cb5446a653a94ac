package io.superspec.test

import groovy.json.JsonSlurperClassic
import io.superspec.test.PipelineHarness.Aborted
import io.superspec.test.PipelineHarness.PipelineError

/** The vars/ steps against the contract examples: exact commands, params, outcomes. */
class StepsTest extends PipelineTestCase {

    static final Map<String, String> VARS = [
        enforce: 'superspecEnforce', package: 'superspecPackage',
        deploy : 'superspecDeploy', release: 'superspecRelease',
    ]
    static final Map<String, String> SUCCESS = [
        enforce: 'enforce-passed', package: 'package-passed',
        deploy : 'deploy-done', release: 'release-done',
    ]

    void testEachStepWritesExactlyItsParamsExampleAndRunsOneFixedCommand() {
        VARS.each { String step, String var ->
            PipelineHarness pipeline = harness()
            pipeline.credentials.DB_PASSWORD = 'not-used-here'
            FakeSuperspec superspec = new FakeSuperspec(pipeline).then(result: SUCCESS[step])
            Map example = superspec.example('params', step)
            Map args = new LinkedHashMap(example)
            args.remove('contract')
            args.remove('step')

            def returned = pipeline.callVar(var, args)

            assert pipeline.jsonFile(".superspec/step-${step}.json".toString()) == example
            assert pipeline.shScripts() == [
                "sh .superspec/superspec.sh step ${step} --params-file .superspec/step-${step}.json".toString()]
            assert pipeline.callsOf('sh')[0].args.returnStatus == true
            assert returned == superspec.example('result', SUCCESS[step])
            assert pipeline.workspace['.superspec/superspec.sh'] ==
                new File(library, 'resources/superspec/superspec.sh').getText('UTF-8')
            assert pipeline.callsOf('withEnv')*.args == [['SUPERSPEC_VERSION=0.1.0']]
            assert pipeline.callsOf('sh')[0].args.env.SUPERSPEC_VERSION == '0.1.0'
            assert pipeline.callsOf('echo')*.args == ["[superspec ${step}] ${returned.message}".toString()]
            dumpWorkspace("example-${step}", pipeline)
        }
    }

    void testGenericStepRunsTheNamedStep() {
        PipelineHarness pipeline = harness()
        FakeSuperspec superspec = new FakeSuperspec(pipeline).then(result: 'enforce-passed')
        def returned = pipeline.callVar('superspecStep', 'enforce', [stage: 'enforce'])
        assert superspec.received == [[contract: 1, step: 'enforce', stage: 'enforce']]
        assert returned.status == 'passed'
    }

    void testUnknownStepIsRejectedBeforeAnythingRuns() {
        PipelineHarness pipeline = harness()
        String error = expectError { pipeline.callVar('superspecStep', 'enforce; touch /tmp/x', [:]) }
        assert error == "[superspec] unknown step 'enforce; touch /tmp/x' (steps: enforce, package, deploy, release)"
        assert pipeline.callsOf('sh').isEmpty()
        assert pipeline.callsOf('writeFile').isEmpty()
    }

    void testReservedKeysAreRejected() {
        PipelineHarness pipeline = harness()
        String error = expectError { pipeline.callVar('superspecEnforce', [step: 'package']) }
        assert error == "[superspec enforce] 'step' is set by the step itself; remove it from the parameters"
        assert pipeline.callsOf('sh').isEmpty()
    }

    void testErrorMessagesBecomeThePipelineError() {
        ['params-unknown-key': 'enforce', 'spec-stage-runner': 'deploy',
         'enforce-failed'    : 'enforce'].each {
            String name, String step ->
            PipelineHarness pipeline = harness()
            FakeSuperspec superspec = new FakeSuperspec(pipeline).then(error: name)
            Map example = superspec.example('error', name)
            String error = expectError { pipeline.callVar(VARS[step], [stage: 'x']) }
            assert error == "[superspec ${step}] ${example.message}".toString()
        }
    }

    void testFailedVerdictFailsTheStageWithItsMessage() {
        // superspec writes both: the result (with the report) and the error (what to show)
        PipelineHarness pipeline = harness()
        FakeSuperspec superspec = new FakeSuperspec(pipeline).then(result: 'enforce-failed', error: 'enforce-failed')
        String error = expectError { pipeline.callVar('superspecEnforce', [stage: 'enforce']) }
        assert error == '[superspec enforce] ' + superspec.example('error', 'enforce-failed').message
        assert error.startsWith('[superspec enforce] enforce failed (5 passed, 1 failed')

        PipelineHarness resultOnly = harness()
        new FakeSuperspec(resultOnly).then(result: 'enforce-failed')
        error = expectError { resultOnly.callVar('superspecEnforce', [stage: 'enforce']) }
        assert error == '[superspec enforce] ' + superspec.example('result', 'enforce-failed').message
    }

    void testReleaseRolledBackIsUnstableAndStopsThePipeline() {
        PipelineHarness pipeline = harness()
        FakeSuperspec superspec = new FakeSuperspec(pipeline).then(result: 'release-rolled-back')
        String message = superspec.example('result', 'release-rolled-back').message
        String error = expectError { pipeline.callVar('superspecRelease', [stage: 'release-prod']) }
        assert error == "[superspec release] rolled back: ${message}".toString()
        assert pipeline.callsOf('unstable')*.args == [error]
    }

    void testReleasePausedAsksForApprovalThenResumes() {
        PipelineHarness pipeline = harness()
        FakeSuperspec superspec = new FakeSuperspec(pipeline)
            .then(result: 'release-paused-for-approval').then(result: 'release-done')
        Map paused = superspec.example('result', 'release-paused-for-approval')

        def returned = pipeline.callVar('superspecRelease', [stage: 'release-prod', env: 'prod'])

        assert returned == superspec.example('result', 'release-done')
        assert pipeline.callsOf('timeout')*.args == [[time: 1440, unit: 'MINUTES']]
        assert pipeline.callsOf('input')*.args == [[
            message  : "[superspec release] ${paused.approval.message}".toString(),
            ok       : 'Continue release',
            submitter: 'release-managers']]
        assert superspec.received == [
            [contract: 1, step: 'release', stage: 'release-prod', env: 'prod'],
            [contract: 1, step: 'release', stage: 'release-prod', env: 'prod', resume: true]]
        assert pipeline.shScripts().size() == 2
        assert pipeline.callsOf('unstable').isEmpty()
    }

    void testReleasePausedAndDeclinedRollsBackThenAbortsTheBuild() {
        PipelineHarness pipeline = harness()
        FakeSuperspec superspec = new FakeSuperspec(pipeline)
            .then(result: 'release-paused-for-approval').then(result: 'release-rolled-back')
        pipeline.inputHandler = { Map args -> throw new Aborted('Rejected by alice') }
        try {
            pipeline.callVar('superspecRelease', [stage: 'release-prod'])
            assert false: 'expected the build to be aborted'
        } catch (Aborted expected) {
            assert expected.message == 'Rejected by alice'
        }
        assert superspec.received == [
            [contract: 1, step: 'release', stage: 'release-prod'],
            [contract: 1, step: 'release', stage: 'release-prod', abort: true]]
        assert pipeline.callsOf('unstable').isEmpty()
        assert pipeline.callsOf('error').isEmpty()
    }

    void testPausedIsOnlyValidForRelease() {
        PipelineHarness pipeline = harness()
        Map paused = new FakeSuperspec(pipeline).example('result', 'release-paused-for-approval')
        new FakeSuperspec(pipeline).then(result: paused + [step: 'deploy'])
        String error = expectError { pipeline.callVar('superspecDeploy', [stage: 'deploy-test']) }
        assert error == "[superspec deploy] status 'paused-for-approval' is only valid for release"
        assert pipeline.callsOf('input').isEmpty()
    }

    void testNoAnswerIsAClearError() {
        PipelineHarness pipeline = harness()  // default sh handler: superspec not installed (127)
        pipeline.workspace['.superspec/step-enforce.result.json'] =
            new File(library, 'resources/superspec/contract/result/enforce-passed.json').text  // stale
        String error = expectError { pipeline.callVar('superspecEnforce', [stage: 'enforce']) }
        assert error == '[superspec enforce] superspec exited with status 127 and wrote no result ' +
            '(.superspec/step-enforce.result.json)'
    }

    void testOtherContractVersionsAreRefused() {
        PipelineHarness pipeline = harness()
        Map passed = new FakeSuperspec(pipeline).example('result', 'enforce-passed')
        new FakeSuperspec(pipeline).then(result: passed + [contract: 2])
        String error = expectError { pipeline.callVar('superspecEnforce', [:]) }
        assert error == '[superspec enforce] .superspec/step-enforce.result.json speaks contract 2, ' +
            'this library speaks 1: use the superspec version this library pins'
    }

    void testResultMustAgreeWithTheExitStatus() {
        PipelineHarness pipeline = harness()
        new FakeSuperspec(pipeline).then(result: 'enforce-passed', status: 1)
        String error = expectError { pipeline.callVar('superspecEnforce', [:]) }
        assert error == '[superspec enforce] .superspec/step-enforce.result.json says exit code 0 ' +
            'but superspec exited with 1'
    }

    void testPinnedVersionComesFromTheEnvironmentAndIsChecked() {
        PipelineHarness pipeline = harness()
        pipeline.env.SUPERSPEC_VERSION = '0.2.0'
        new FakeSuperspec(pipeline).then(result: 'enforce-passed')
        pipeline.callVar('superspecEnforce', [:])
        assert pipeline.callsOf('withEnv')*.args == [['SUPERSPEC_VERSION=0.2.0']]

        PipelineHarness hostile = harness()
        hostile.env.SUPERSPEC_VERSION = '1.0$(touch /tmp/x)'
        String error = expectError { hostile.callVar('superspecEnforce', [:]) }
        assert error == "[superspec enforce] SUPERSPEC_VERSION '1.0\$(touch /tmp/x)' is not a version"
        assert hostile.callsOf('sh').isEmpty()
    }

    void testResultJsonIsReadAsPlainSerializableMaps() {
        PipelineHarness pipeline = harness()
        new FakeSuperspec(pipeline).then(result: 'package-passed')
        pipeline.credentials.DB_PASSWORD = 'x'
        def returned = pipeline.callVar('superspecPackage', [stage: 'package', secrets: ['DB_PASSWORD']])
        assert returned instanceof HashMap  // JsonSlurperClassic: survives CPS checkpoints
        assert returned.details.packages instanceof ArrayList
        assert new JsonSlurperClassic().parseText(pipeline.workspace['.superspec/step-package.json']).secrets ==
            ['DB_PASSWORD']
    }

    private static String expectError(Closure body) {
        try {
            body.call()
        } catch (PipelineError error) {
            return error.message
        }
        assert false: 'expected the step to call error'
        return null
    }
}
