// superspecRelease(stage: '...', spec: 'superspec.yaml', ...): see superspecRelease.txt
def call(Map params = [:]) {
    return new io.superspec.StepExecutor(this).run('release', params)
}
