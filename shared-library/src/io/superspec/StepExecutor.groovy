package io.superspec

import groovy.json.JsonOutput
import groovy.json.JsonSlurperClassic

/**
 * Runs one superspec step from a pipeline: the only place with logic in this library.
 *
 * The contract (version 1): the step's parameters go, as JSON, into a file in the workspace;
 * ONE fixed shell command runs `superspec step NAME --params-file FILE`; superspec answers with a
 * result JSON (a verdict) and, on failure, an error JSON. No parameter value is ever part of a
 * shell string: the commands below are constants, chosen from a fixed list of step names.
 * Secrets are named in the params (`secrets: ['DB_PASSWORD']`) and reach superspec only as
 * environment variables bound by withCredentials; their values are never written anywhere.
 */
class StepExecutor implements Serializable {

    static final int CONTRACT = 1
    /** The superspec release this library version runs (override: env.SUPERSPEC_VERSION). */
    static final String SUPERSPEC_VERSION = '0.1.0'
    static final String WRAPPER_RESOURCE = 'superspec/superspec.sh'
    static final String WRAPPER = '.superspec/superspec.sh'
    /** The company layers this library carries, listed one file a line in the index. */
    static final String LAYERS_RESOURCE = 'superspec/layers'
    static final String LAYERS_INDEX = 'superspec/layers/index.txt'
    /** Where the steps unpack them (relative: the step's directory, where superspec runs). */
    static final String LAYERS = '.superspec/layers'
    static final String LAYER_FILE = /[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*/
    static final List<String> STEPS = ['enforce', 'package', 'deploy', 'release']

    /** The one shell command of each step. Constants: nothing is ever interpolated into them. */
    static final Map<String, String> COMMANDS = [
        enforce: 'sh .superspec/superspec.sh step enforce --params-file .superspec/step-enforce.json',
        package: 'sh .superspec/superspec.sh step package --params-file .superspec/step-package.json',
        deploy : 'sh .superspec/superspec.sh step deploy --params-file .superspec/step-deploy.json',
        release: 'sh .superspec/superspec.sh step release --params-file .superspec/step-release.json',
    ]

    /** Keys the executor sets itself; a pipeline may not pass them. */
    static final List<String> RESERVED = ['contract', 'step']
    static final String SECRET_NAME = /[A-Za-z_][A-Za-z0-9_]*/
    static final String VERSION = /[0-9A-Za-z][0-9A-Za-z.+_-]*/
    /** How often one release may pause for approval before the step gives up. */
    static final int MAX_APPROVALS = 20

    private final def steps

    /** @param steps the pipeline script (`this` in a vars/ step): sh, writeFile, error, ... */
    StepExecutor(def steps) {
        this.steps = steps
    }

    /**
     * Run step `name` with `params`; returns the result message as a Map when the step passed or
     * is done. Failures end in `error "[superspec NAME] MESSAGE"`; release states map as follows:
     * rolled-back -> `unstable` + `error`, paused-for-approval -> `input` (then the release resumes;
     * declining or timing out rolls the release back with `abort: true` and aborts the build).
     */
    Map run(String name, Map params) {
        String step = checkStep(name)
        Map request = buildRequest(step, params == null ? [:] : params)
        Map result = invoke(step, request)
        int approvals = 0
        while (result.status == 'paused-for-approval') {
            if (step != 'release') {
                fail(step, "status 'paused-for-approval' is only valid for release")
            }
            approvals += 1
            if (approvals > MAX_APPROVALS) {
                fail(step, "paused for approval more than ${MAX_APPROVALS} times; giving up")
            }
            try {
                awaitApproval(step, result)
            } catch (Throwable declined) {
                abortRelease(step, request)
                throw declined
            }
            request.resume = true
            result = invoke(step, request)
        }
        return finish(step, result)
    }

    private String checkStep(def name) {
        String step = name == null ? '' : name.toString()
        if (!STEPS.contains(step)) {
            steps.error("[superspec] unknown step '${step}' (steps: ${STEPS.join(', ')})")
        }
        return step
    }

    /** contract and step first, then the pipeline's params in their order. */
    private Map buildRequest(String step, Map params) {
        Map request = [contract: CONTRACT, step: step]
        for (def key in params.keySet()) {
            String name = key.toString()
            if (RESERVED.contains(name)) {
                fail(step, "'${name}' is set by the step itself; remove it from the parameters")
            }
            request[name] = params[key]
        }
        secretNames(step, request)  // reject bad names before anything runs
        return request
    }

    private List<String> secretNames(String step, Map request) {
        def secrets = request.secrets
        if (secrets == null) {
            return []
        }
        if (!(secrets instanceof List)) {
            fail(step, "'secrets' must be a list of credential ids, e.g. secrets: ['DB_PASSWORD']")
        }
        List<String> names = []
        for (def secret in secrets) {
            String name = secret == null ? '' : secret.toString()
            if (!(name ==~ SECRET_NAME)) {
                fail(step, "secret name '${name}' is not an environment variable name " +
                    '(letters, digits and _, not starting with a digit)')
            }
            names << name
        }
        return names
    }

    /** Write the params, run the one command, read the answer (result Map; errors end the step). */
    private Map invoke(String step, Map request) {
        String paramsFile = ".superspec/step-${step}.json"
        String resultFile = ".superspec/step-${step}.result.json"
        String errorFile = ".superspec/step-${step}.error.json"
        steps.writeFile(file: WRAPPER, text: steps.libraryResource(WRAPPER_RESOURCE))
        steps.writeFile(file: paramsFile, text: JsonOutput.prettyPrint(JsonOutput.toJson(request)) + '\n')
        steps.writeFile(file: resultFile, text: '')  // no stale answer can be mistaken for this one
        steps.writeFile(file: errorFile, text: '')
        List<String> secrets = secretNames(step, request)
        List<String> environment = ['SUPERSPEC_VERSION=' + version(step)]
        if (unpackLayers(step)) {
            def agentLayers = steps.env.SUPERSPEC_LAYERS
            environment << 'SUPERSPEC_LAYERS=' + LAYERS + (agentLayers ? ':' + agentLayers : '')
        }
        int status = -1
        steps.withEnv(environment) {
            status = runCommand(step, secrets)
        }
        // superspec removes the answer it does not give: a missing file is no answer
        Map error = steps.fileExists(errorFile) ? readJson(step, errorFile) : null
        if (error != null) {
            checkContract(step, error, errorFile)
            fail(step, error.message == null ? "failed (exit status ${status}), see ${errorFile}" : error.message.toString())
        }
        Map result = steps.fileExists(resultFile) ? readJson(step, resultFile) : null
        if (result == null) {
            fail(step, "superspec exited with status ${status} and wrote no result (${resultFile})")
        }
        checkContract(step, result, resultFile)
        if (result.exitCode != status) {
            fail(step, "${resultFile} says exit code ${result.exitCode} but superspec exited with ${status}")
        }
        return result
    }

    // not private: it is called from a closure (withEnv's body), which CPS resolves dynamically
    int runCommand(String step, List<String> secrets) {
        if (secrets.isEmpty()) {
            return steps.sh(script: COMMANDS[step], returnStatus: true) as int
        }
        List bindings = []
        for (String name in secrets) {
            bindings << steps.string(credentialsId: name, variable: name)
        }
        int status = -1
        steps.withCredentials(bindings) {
            status = steps.sh(script: COMMANDS[step], returnStatus: true) as int
        }
        return status
    }

    /**
     * Writes the company layers the library carries (resources/superspec/layers) into LAYERS,
     * replacing what an earlier build left there; true when the library carries any. Paths come
     * from the library's index and are checked before anything is written.
     */
    private boolean unpackLayers(String step) {
        List<String> files = []
        for (String line in steps.libraryResource(LAYERS_INDEX).readLines()) {
            String file = line.trim()
            if (file.isEmpty() || file.startsWith('#')) {
                continue
            }
            if (!(file ==~ LAYER_FILE) || file.split('/').contains('..')) {
                fail(step, "the library's ${LAYERS_INDEX} names '${file}', which is not a layer file path")
            }
            files << file
        }
        if (files.isEmpty()) {
            return false
        }
        steps.dir(LAYERS) {
            steps.deleteDir()
        }
        for (String file in files) {
            steps.writeFile(file: "${LAYERS}/${file}".toString(), text: steps.libraryResource("${LAYERS_RESOURCE}/${file}".toString()))
        }
        return true
    }

    private String version(String step) {
        def pinned = steps.env.SUPERSPEC_VERSION
        String version = pinned ? pinned.toString() : SUPERSPEC_VERSION
        if (!(version ==~ VERSION)) {
            fail(step, "SUPERSPEC_VERSION '${version}' is not a version")
        }
        return version
    }

    private Map readJson(String step, String file) {
        String text = steps.readFile(file: file)
        if (text == null || text.trim().isEmpty()) {
            return null
        }
        def data
        try {
            data = new JsonSlurperClassic().parseText(text)
        } catch (Exception e) {
            fail(step, "${file} is not valid JSON: ${e.message}")
        }
        if (!(data instanceof Map)) {
            fail(step, "${file} is not a JSON object")
        }
        return (Map) data
    }

    private void checkContract(String step, Map message, String file) {
        if (message.contract != CONTRACT) {
            fail(step, "${file} speaks contract ${message.contract}, this library speaks ${CONTRACT}: " +
                'use the superspec version this library pins')
        }
    }

    private void awaitApproval(String step, Map result) {
        Map approval = result.approval instanceof Map ? (Map) result.approval : [:]
        String text = approval.message ?: result.message ?: 'continue?'
        int minutes = approval.timeoutMinutes ? approval.timeoutMinutes as int : 1440
        Map args = [message: "[superspec ${step}] ${text}".toString(), ok: 'Continue release']
        if (approval.groups instanceof List && !approval.groups.isEmpty()) {
            args.submitter = approval.groups.join(',')
        }
        steps.echo("[superspec ${step}] paused for approval: ${result.message}")
        steps.timeout(time: minutes, unit: 'MINUTES') {
            steps.input(args)
        }
    }

    /** Declined or timed out: the paused release is rolled back before the build ends. */
    private void abortRelease(String step, Map request) {
        Map abort = new LinkedHashMap(request)
        abort.remove('resume')
        abort.abort = true
        steps.echo("[superspec ${step}] not approved: rolling the release back")
        Map result = invoke(step, abort)
        steps.echo("[superspec ${step}] ${result.message}")
    }

    private Map finish(String step, Map result) {
        String status = result.status
        if (status == 'passed' || status == 'done') {
            steps.echo("[superspec ${step}] ${result.message}")
            return result
        }
        if (status == 'rolled-back') {
            String text = "[superspec ${step}] rolled back: ${result.message}"
            steps.unstable(text)
            steps.error(text)
        }
        if (status == 'failed') {
            fail(step, result.message == null ? 'failed' : result.message.toString())
        }
        fail(step, "unknown status '${status}' in the result of superspec ${result.superspec}")
        return result
    }

    private void fail(String step, String message) {
        steps.error("[superspec ${step}] ${message}")
    }
}
