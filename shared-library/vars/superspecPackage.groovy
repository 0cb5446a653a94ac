// superspecPackage(stage: '...', spec: 'superspec.yaml', ...): see superspecPackage.txt
def call(Map params = [:]) {
    return new io.superspec.StepExecutor(this).run('package', params)
}
