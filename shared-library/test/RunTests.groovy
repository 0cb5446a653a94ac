// Runs every *Test class under test/ in this one JVM.
// Usage: groovy -cp src:test test/RunTests.groovy LIBRARY_DIR OUT_DIR
// Prints one line per test and exits 1 when any fails.
import io.superspec.test.PipelineTestCase

File library = new File(args[0]).canonicalFile
File out = new File(args[1])
File testDir = new File(library, 'test')
List<String> classNames = []
testDir.eachFileRecurse { File file ->
    if (file.name.endsWith('Test.groovy')) {
        String relative = testDir.toURI().relativize(file.toURI()).path
        classNames << relative.replace('/', '.').replaceAll(/\.groovy$/, '')
    }
}
classNames.sort()
int failures = 0
int count = 0
classNames.each { String className ->
    Class type = this.class.classLoader.loadClass(className)
    type.declaredMethods.findAll { it.name.startsWith('test') && it.parameterTypes.length == 0 }
        .sort { it.name }.each { method ->
            PipelineTestCase test = (PipelineTestCase) type.newInstance()
            test.library = library
            test.out = out
            count++
            try {
                method.invoke(test)
                println "ok   ${className}.${method.name}"
            } catch (java.lang.reflect.InvocationTargetException e) {
                failures++
                println "FAIL ${className}.${method.name}"
                println e.cause.toString().readLines().collect { '     ' + it }.join('\n')
                StackTraceElement where = e.cause.stackTrace.find { it.fileName?.endsWith('Test.groovy') }
                if (where) println "     at ${where.fileName}:${where.lineNumber}"
            }
        }
}
println "${count} tests, ${failures} failed"
System.exit(failures ? 1 : 0)
