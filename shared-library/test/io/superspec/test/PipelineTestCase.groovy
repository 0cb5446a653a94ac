package io.superspec.test

/** Base of the Groovy tests: the library under test and a directory to leave artifacts in. */
abstract class PipelineTestCase {

    File library
    File out

    PipelineHarness harness() {
        return new PipelineHarness(library)
    }

    /** Leave a harness' workspace on disk, for the Python side to run superspec on it. */
    void dumpWorkspace(String name, PipelineHarness pipeline) {
        File dir = new File(out, "workspaces/${name}")
        pipeline.workspace.each { String path, String text ->
            File file = new File(dir, path)
            file.parentFile.mkdirs()
            file.setText(text, 'UTF-8')
        }
    }
}
