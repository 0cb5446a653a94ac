package io.superspec.test

import groovy.json.JsonOutput
import groovy.json.JsonSlurperClassic

/**
 * Plays superspec behind the fixed `sh` command: checks the command, reads the params file the
 * step wrote, and answers with contract example messages (result and/or error JSON), in order.
 */
class FakeSuperspec {

    /** The exact commands superspec may be started with (pinned here, not read from the code). */
    static final Map<String, String> EXPECTED_COMMANDS = [
        'sh .superspec/superspec.sh step enforce --params-file .superspec/step-enforce.json': 'enforce',
        'sh .superspec/superspec.sh step package --params-file .superspec/step-package.json': 'package',
        'sh .superspec/superspec.sh step deploy --params-file .superspec/step-deploy.json'  : 'deploy',
        'sh .superspec/superspec.sh step release --params-file .superspec/step-release.json': 'release',
    ]

    final PipelineHarness pipeline
    final File contract
    /** Each answer: [result: 'release-done'] / [error: 'params-unknown-key'] / [status: 127] ... */
    final List<Map> answers = []
    final List<Map> received = []
    final List<Map<String, String>> environments = []

    FakeSuperspec(PipelineHarness pipeline) {
        this.pipeline = pipeline
        this.contract = new File(pipeline.library, 'resources/superspec/contract')
        pipeline.shHandler = { String script, Map environment -> answer(script, environment) }
    }

    FakeSuperspec then(Map answer) {
        answers << answer
        return this
    }

    Map example(String kind, String name) {
        return (Map) new JsonSlurperClassic().parseText(new File(contract, "${kind}/${name}.json").getText('UTF-8'))
    }

    private int answer(String script, Map environment) {
        String step = EXPECTED_COMMANDS[script]
        assert step != null: "unexpected shell command: ${script}"
        String params = ".superspec/step-${step}.json"
        received << pipeline.jsonFile(params)
        environments << new LinkedHashMap<String, String>(environment)
        assert !answers.isEmpty(): "superspec was called more often than the test expected"
        Map answer = answers.remove(0)
        Integer status = answer.status as Integer
        if (answer.result) {
            Map message = answer.result instanceof Map ? answer.result : example('result', answer.result)
            pipeline.workspace[".superspec/step-${step}.result.json".toString()] = JsonOutput.toJson(message)
            status = status ?: message.exitCode as Integer
        }
        if (answer.error) {
            Map message = answer.error instanceof Map ? answer.error : example('error', answer.error)
            pipeline.workspace[".superspec/step-${step}.error.json".toString()] = JsonOutput.toJson(message)
            status = status ?: message.exitCode as Integer
        }
        return status ?: 0
    }
}
