// superspecEnforce(stage: '...', spec: 'superspec.yaml', ...): see superspecEnforce.txt
def call(Map params = [:]) {
    return new io.superspec.StepExecutor(this).run('enforce', params)
}
