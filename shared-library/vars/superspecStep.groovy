// superspecStep('enforce', [stage: 'enforce']): run any superspec step by name; see superspecStep.txt
def call(String name, Map params = [:]) {
    return new io.superspec.StepExecutor(this).run(name, params)
}
