package io.superspec.test

import groovy.json.JsonSlurperClassic

/** No parameter value reaches a shell string; secret values reach nothing but the environment. */
class SecurityTest extends PipelineTestCase {

    List<String> hostile() {
        return (List<String>) new JsonSlurperClassic().parseText(
            new File(library, 'test/resources/hostile-values.json').getText('UTF-8'))
    }

    void testHostileValuesOnlyEverReachTheParamsFile() {
        List<String> values = hostile()
        StepsTest.VARS.each { String step, String var ->
            PipelineHarness pipeline = harness()
            FakeSuperspec superspec = new FakeSuperspec(pipeline).then(error: 'params-unknown-key')
            Map args = [
                stage  : values[0], spec: values[1], layers: values, branch: values[2], junit: values[3],
                envs   : values, env: values[4], version: values[5], artifact: values[6], out: values[7],
                (values[8]): values[9],  // a hostile key, too
            ]

            try {
                pipeline.callVar(var, args)
                assert false: 'the fake superspec answers with an error'
            } catch (PipelineHarness.PipelineError expected) {
            }

            Map written = superspec.received[0]
            assert written == [contract: 1, step: step] + args
            assertNoShellStringContains(pipeline, values)
            dumpWorkspace("hostile-${step}", pipeline)
        }
    }

    void testHostileGenericStepNameAndParams() {
        List<String> values = hostile()
        values.each { String value ->
            PipelineHarness pipeline = harness()
            new FakeSuperspec(pipeline).then(result: 'package-passed')
            pipeline.callVar('superspecStep', 'package', [stage: value, envs: [value]])
            assertNoShellStringContains(pipeline, [value])

            PipelineHarness rejected = harness()
            try {
                rejected.callVar('superspecStep', value, [stage: value])
                assert false: 'a hostile step name must be rejected'
            } catch (PipelineHarness.PipelineError expected) {
            }
            assert rejected.callsOf('sh').isEmpty()
        }
    }

    void testSecretsComeInThroughWithCredentialsOnly() {
        String secret = 's3cr3t-"$(id)"-`id`-${HOME}'
        PipelineHarness pipeline = harness()
        pipeline.credentials.DB_PASSWORD = secret
        pipeline.credentials.API_TOKEN = secret.reverse()
        FakeSuperspec superspec = new FakeSuperspec(pipeline).then(result: 'release-done')

        pipeline.callVar('superspecRelease', [stage: 'release-prod', secrets: ['DB_PASSWORD', 'API_TOKEN']])

        assert pipeline.callsOf('withCredentials')*.args == [[
            [kind: 'string', credentialsId: 'DB_PASSWORD', variable: 'DB_PASSWORD'],
            [kind: 'string', credentialsId: 'API_TOKEN', variable: 'API_TOKEN']]]
        assert superspec.environments[0].DB_PASSWORD == secret
        assert superspec.environments[0].API_TOKEN == secret.reverse()
        assert superspec.received[0].secrets == ['DB_PASSWORD', 'API_TOKEN']
        pipeline.calls.each { Map call ->
            String text = call.step == 'sh' ? call.args.script : String.valueOf(call.args)
            assert !text.contains(secret) && !text.contains(secret.reverse()): "secret leaked into ${call.step}"
        }
        pipeline.workspace.each { String path, String text ->
            assert !text.contains(secret) && !text.contains(secret.reverse()): "secret written to ${path}"
        }
        assert !pipeline.currentEnv().containsKey('DB_PASSWORD')  // only inside withCredentials
    }

    void testSecretNamesMustBeEnvironmentNames() {
        PipelineHarness pipeline = harness()
        String error = null
        try {
            pipeline.callVar('superspecPackage', [secrets: ['DB_PASSWORD', 'X=$(id)']])
        } catch (PipelineHarness.PipelineError e) {
            error = e.message
        }
        assert error == "[superspec package] secret name 'X=\$(id)' is not an environment variable name " +
            '(letters, digits and _, not starting with a digit)'
        assert pipeline.callsOf('sh').isEmpty() && pipeline.callsOf('withCredentials').isEmpty()
    }

    private static void assertNoShellStringContains(PipelineHarness pipeline, List<String> values) {
        List<String> shellStrings = pipeline.shScripts() + pipeline.callsOf('withEnv')*.args.flatten()
        assert !shellStrings.isEmpty()
        shellStrings.each { String text ->
            assert FakeSuperspec.EXPECTED_COMMANDS.containsKey(text) || text ==~ /SUPERSPEC_VERSION=[0-9.]+/
            values.each { String value ->
                assert !text.contains(value): "hostile value reached a shell string: ${text}"
            }
        }
    }
}
