// Parse Groovy files the way Jenkins does (Groovy 2.4) up to the CONVERSION phase -- no class
// resolution, nothing executed -- and print, as JSON, what the AST of each file contains:
// the tree of method calls (with constant arguments and closures nested) and every name,
// constant and GString anywhere in the code. Usage: groovy groovy_ast.groovy LISTFILE
// (LISTFILE holds one path per line). One JVM for many files.
import groovy.json.JsonOutput
import org.codehaus.groovy.ast.*
import org.codehaus.groovy.ast.expr.*
import org.codehaus.groovy.ast.stmt.*
import org.codehaus.groovy.control.*

class Walker extends CodeVisitorSupport {
    Map root = [call: '<script>', args: [], children: []]
    List stack = [root]
    List calls = []
    List constants = []
    List gstrings = []
    List variables = []
    List properties = []
    List other = []   // any other expression kind that carries code (class name + text)

    static Object describe(Expression e) {
        if (e instanceof ConstantExpression) return [constant: e.value]
        if (e instanceof ClosureExpression) return [closure: true]
        if (e instanceof MapExpression) {
            return [map: e.mapEntryExpressions.collect { [key: describe(it.keyExpression), value: describe(it.valueExpression)] }]
        }
        if (e instanceof ListExpression) return [list: e.expressions.collect { describe(it) }]
        if (e instanceof MethodCallExpression) return [call: e.methodAsString, args: args(e.arguments)]
        if (e instanceof VariableExpression) return [variable: e.name]
        if (e instanceof PropertyExpression) return [property: e.text]
        return [expression: e.class.simpleName, text: e.text]
    }

    static List args(Expression arguments) {
        if (arguments instanceof TupleExpression) return arguments.expressions.collect { describe(it) }
        return [describe(arguments)]
    }

    void visitMethodCallExpression(MethodCallExpression call) {
        String name = call.methodAsString ?: '<dynamic>'
        calls << name
        Map node = [call: name, args: args(call.arguments), children: []]
        if (!call.implicitThis) node.receiver = call.objectExpression.text
        stack[-1].children << node
        stack << node
        call.objectExpression.visit(this)
        if (!(call.method instanceof ConstantExpression)) call.method.visit(this)  // names are in calls
        call.arguments.visit(this)
        stack.pop()
    }
    void visitStaticMethodCallExpression(StaticMethodCallExpression call) {
        calls << call.method
        other << [kind: 'StaticMethodCall', text: call.text]
        super.visitStaticMethodCallExpression(call)
    }
    void visitConstructorCallExpression(ConstructorCallExpression call) {
        other << [kind: 'ConstructorCall', text: call.text]
        super.visitConstructorCallExpression(call)
    }
    void visitConstantExpression(ConstantExpression e) { constants << e.value }
    void visitGStringExpression(GStringExpression e) { gstrings << e.text; super.visitGStringExpression(e) }
    void visitVariableExpression(VariableExpression e) { if (e.name != 'this') variables << e.name }
    void visitPropertyExpression(PropertyExpression e) { properties << e.text; super.visitPropertyExpression(e) }
    void visitBinaryExpression(BinaryExpression e) { other << [kind: 'Binary', text: e.text]; super.visitBinaryExpression(e) }
    void visitDeclarationExpression(DeclarationExpression e) {
        e.annotations.each { AnnotationNode a ->
            calls << ('@' + a.classNode.name)
            a.members.each { k, v -> v.visit(this) }
            stack[-1].children << [call: '@' + a.classNode.name, args: a.members.collect { k, v -> describe(v) }, children: []]
        }
        other << [kind: 'Declaration', text: e.leftExpression.text]
        e.rightExpression.visit(this)
    }
}

def results = []
new File(args[0]).eachLine { String path ->
    if (!path.trim()) return
    Map result = [file: path]
    try {
        CompilationUnit unit = new CompilationUnit()
        unit.addSource(new File(path))
        unit.compile(Phases.CONVERSION)
        Walker walker = new Walker()
        unit.AST.modules.each { ModuleNode module ->
            module.statementBlock.visit(walker)
            module.classes.each { ClassNode cls ->
                if (!cls.script) walker.other << [kind: 'Class', text: cls.name]
                cls.methods.each { MethodNode m -> if (!cls.script || !(m.name in ['run', 'main'])) walker.other << [kind: 'Method', text: m.name] }
            }
        }
        result += [tree: walker.root.children, calls: walker.calls, constants: walker.constants,
                   gstrings: walker.gstrings, variables: walker.variables,
                   properties: walker.properties, other: walker.other]
    } catch (Exception e) {
        result.error = e.message
    }
    results << result
}
println JsonOutput.toJson(results)
