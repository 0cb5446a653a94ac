// superspecDeploy(stage: '...', spec: 'superspec.yaml', ...): see superspecDeploy.txt
def call(Map params = [:]) {
    return new io.superspec.StepExecutor(this).run('deploy', params)
}
