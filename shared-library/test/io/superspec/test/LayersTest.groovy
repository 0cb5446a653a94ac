package io.superspec.test

import io.superspec.test.PipelineHarness.PipelineError
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption

/**
 * The company layers a library carries (resources/superspec/layers, listed in index.txt): each
 * step unpacks them into .superspec/layers before it runs superspec and points SUPERSPEC_LAYERS
 * at them (before the agent's own SUPERSPEC_LAYERS).
 */
class LayersTest extends PipelineTestCase {

    static final List<String> EXAMPLE_LAYERS = ['acme/superspec.yaml', 'acme/payments/superspec.yaml']

    /** A copy of the library carrying `files` (path -> text) and an index listing `index`. */
    File libraryWith(Map<String, String> files, List<String> index) {
        File copy = Files.createTempDirectory('superspec-library').toFile()
        Path from = library.toPath()
        Files.walk(from).each { Path path ->
            Path relative = from.relativize(path)
            if (relative.toString().startsWith('test')) {
                return
            }
            Path target = copy.toPath().resolve(relative.toString())
            if (Files.isDirectory(path)) {
                Files.createDirectories(target)
            } else {
                Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING)
            }
        }
        File layers = new File(copy, 'resources/superspec/layers')
        files.each { String name, String text ->
            File file = new File(layers, name)
            file.parentFile.mkdirs()
            file.setText(text, 'UTF-8')
        }
        new File(layers, 'index.txt').setText('# carried layers\n' + index.collect { it + '\n' }.join(''), 'UTF-8')
        return copy
    }

    File exampleLibrary() {
        File examples = new File(library.parentFile, 'examples/layers')
        Map<String, String> files = EXAMPLE_LAYERS.collectEntries { [(it): new File(examples, it).getText('UTF-8')] }
        return libraryWith(files, EXAMPLE_LAYERS)
    }

    void testAStepUnpacksTheCarriedLayersAndPointsSuperspecLayersAtThem() {
        File carrying = exampleLibrary()
        PipelineHarness pipeline = new PipelineHarness(carrying)
        pipeline.workspace['.superspec/layers/old/superspec.yaml'] = 'left by an earlier build'
        FakeSuperspec superspec = new FakeSuperspec(pipeline).then(result: 'enforce-passed')

        pipeline.callVar('superspecEnforce', [stage: 'enforce', spec: 'superspec.yaml', branch: 'main'])

        File examples = new File(library.parentFile, 'examples/layers')
        EXAMPLE_LAYERS.each { String name ->
            assert pipeline.workspace[".superspec/layers/${name}".toString()] == new File(examples, name).getText('UTF-8')
        }
        assert !pipeline.workspace.containsKey('.superspec/layers/old/superspec.yaml')
        assert pipeline.callsOf('deleteDir')*.args == ['.superspec/layers']
        assert pipeline.callsOf('withEnv')*.args == [['SUPERSPEC_VERSION=0.1.0', 'SUPERSPEC_LAYERS=.superspec/layers']]
        assert superspec.environments[0].SUPERSPEC_LAYERS == '.superspec/layers'
        // the layers are in place before superspec runs
        List<String> order = pipeline.calls.collect { it.step == 'writeFile' ? it.args.file : it.step }
        assert order.indexOf('.superspec/layers/acme/superspec.yaml') < order.indexOf('sh')
        dumpWorkspace('layers-enforce', pipeline)
    }

    void testTheAgentsLayersComeAfterTheLibrarys() {
        PipelineHarness pipeline = new PipelineHarness(exampleLibrary())
        pipeline.env.SUPERSPEC_LAYERS = '/opt/layers'
        FakeSuperspec superspec = new FakeSuperspec(pipeline).then(result: 'enforce-passed')
        pipeline.callVar('superspecEnforce', [stage: 'enforce'])
        assert superspec.environments[0].SUPERSPEC_LAYERS == '.superspec/layers:/opt/layers'
    }

    void testALibraryWithoutLayersChangesNothing() {
        PipelineHarness pipeline = harness()
        pipeline.env.SUPERSPEC_LAYERS = '/opt/layers'
        FakeSuperspec superspec = new FakeSuperspec(pipeline).then(result: 'enforce-passed')
        pipeline.callVar('superspecEnforce', [stage: 'enforce'])
        assert superspec.environments[0].SUPERSPEC_LAYERS == '/opt/layers'
        assert pipeline.callsOf('withEnv')*.args == [['SUPERSPEC_VERSION=0.1.0']]
        assert pipeline.callsOf('deleteDir').isEmpty()
        assert !pipeline.workspace.keySet().any { it.startsWith('.superspec/layers') }
    }

    void testAnIndexEntryLeavingTheLayersIsRefusedBeforeAnythingRuns() {
        ['../../../etc/cron.d/x', '/etc/passwd', 'acme/../../x', '.hidden/superspec.yaml',
         'a b/superspec.yaml'].each { String entry ->
            PipelineHarness pipeline = new PipelineHarness(libraryWith([:], [entry]))
            new FakeSuperspec(pipeline)
            String error = expectError { pipeline.callVar('superspecEnforce', [stage: 'enforce']) }
            assert error == "[superspec enforce] the library's superspec/layers/index.txt names '${entry}', which is not a layer file path".toString()
            assert pipeline.callsOf('sh').isEmpty()
            assert !pipeline.workspace.keySet().any { it.startsWith('.superspec/layers') }
        }
    }

    private static String expectError(Closure body) {
        try {
            body.call()
        } catch (PipelineError error) {
            return error.message
        }
        assert false: 'expected the step to call error'
        return null
    }
}
