package io.superspec.test

import groovy.json.JsonSlurperClassic

/**
 * A small stand-in for Jenkins' pipeline runtime: loads vars/*.groovy with GroovyShell (the src/
 * classes on the class path) and answers the pipeline steps they call (sh, writeFile, readFile,
 * error, withCredentials, withEnv, libraryResource, ...) from binding closures. Every call is
 * recorded; `sh` runs a handler the test supplies (a fake superspec that reads the params file
 * and writes its answer), seeing the environment withEnv/withCredentials set at that moment.
 */
class PipelineHarness {

    /** What the `error` step throws (Jenkins throws hudson.AbortException). */
    static class PipelineError extends RuntimeException {
        PipelineError(String message) { super(message) }
    }

    /** What `input` throws when the approver declines or the timeout expires (build ABORTED). */
    static class Aborted extends RuntimeException {
        Aborted(String message) { super(message) }
    }

    final File library
    final List<Map> calls = []
    final Map<String, String> workspace = [:]
    final Map<String, String> env = [:]
    final Map<String, String> credentials = [:]
    final List<Map> overlays = []
    private final List<String> directories = []
    /** (String script, Map environment) -> exit status; default: no superspec installed. */
    Closure shHandler = { String script, Map environment -> 127 }
    /** (Map args) -> anything; throw Aborted to decline. */
    Closure inputHandler = { Map args -> null }
    private final GroovyShell shell
    private final Binding binding = new Binding()

    PipelineHarness(File library) {
        this.library = library
        shell = new GroovyShell(getClass().classLoader, binding)
        bindSteps()
    }

    /** Call a vars/ step the way a Jenkinsfile does: `name(args...)`. */
    def callVar(String name, Object... args) {
        Script script = shell.parse(new File(library, "vars/${name}.groovy"))
        script.binding = binding
        return script.invokeMethod('call', args)
    }

    List<Map> callsOf(String step) {
        return calls.findAll { it.step == step }
    }

    List<String> shScripts() {
        return callsOf('sh').collect { it.args.script as String }
    }

    Map jsonFile(String path) {
        return (Map) new JsonSlurperClassic().parseText(workspace[path])
    }

    /** The environment a step sees now: env, then every withEnv/withCredentials around it. */
    Map<String, String> currentEnv() {
        Map<String, String> merged = new LinkedHashMap<String, String>(env)
        overlays.each { merged.putAll(it) }
        return merged
    }

    private void record(String step, def args) {
        calls << [step: step, args: args]
    }

    private def withOverlay(Map<String, String> values, Closure body) {
        overlays << values
        try {
            return body.call()
        } finally {
            overlays.remove(overlays.size() - 1)
        }
    }

    private void bindSteps() {
        binding.setVariable('env', env)
        bind('echo') { String message -> record('echo', message) }
        bind('error') { String message ->
            record('error', message)
            throw new PipelineError(message)
        }
        bind('unstable') { String message -> record('unstable', message) }
        bind('writeFile') { Map args ->
            record('writeFile', args)
            workspace[args.file as String] = args.text as String
        }
        bind('readFile') { Map args ->
            record('readFile', args)
            String path = args.file as String
            if (!workspace.containsKey(path)) {
                throw new FileNotFoundException(path)  // as Jenkins' readFile does
            }
            return workspace[path]
        }
        bind('dir') { String path, Closure body ->
            record('dir', path)
            directories << path
            try {
                return body.call()
            } finally {
                directories.remove(directories.size() - 1)
            }
        }
        bind('deleteDir') { ->
            String prefix = directories.join('/') + '/'
            record('deleteDir', directories.join('/'))
            workspace.keySet().removeAll { it.startsWith(prefix) }
        }
        bind('fileExists') { String path ->
            record('fileExists', path)
            return workspace.containsKey(path)
        }
        bind('libraryResource') { String path ->
            record('libraryResource', path)
            return new File(library, "resources/${path}").getText('UTF-8')
        }
        bind('sh') { Map args ->
            Map<String, String> environment = currentEnv()
            record('sh', args + [env: environment])
            int status = shHandler.call(args.script as String, environment) as int
            if (args.returnStatus) {
                return status
            }
            if (status != 0) {
                throw new PipelineError("script returned exit code ${status}")
            }
            return null
        }
        bind('withEnv') { List<String> pairs, Closure body ->
            record('withEnv', pairs)
            Map<String, String> values = [:]
            pairs.each { String pair ->
                int eq = pair.indexOf('=')
                values[pair.substring(0, eq)] = pair.substring(eq + 1)
            }
            return withOverlay(values, body)
        }
        bind('string') { Map args -> [kind: 'string'] + args }
        bind('withCredentials') { List bindings, Closure body ->
            record('withCredentials', bindings)
            Map<String, String> values = [:]
            bindings.each { Map b ->
                if (!credentials.containsKey(b.credentialsId)) {
                    throw new PipelineError("Could not find credentials entry with ID '${b.credentialsId}'")
                }
                values[b.variable as String] = credentials[b.credentialsId]
            }
            return withOverlay(values, body)
        }
        bind('timeout') { Map args, Closure body ->
            record('timeout', args)
            return body.call()
        }
        bind('input') { Map args ->
            record('input', args)
            return inputHandler.call(args)
        }
    }

    private void bind(String name, Closure step) {
        binding.setVariable(name, step)
    }
}
