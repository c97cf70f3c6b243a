// Validates Kubernetes objects against the upstream OpenAPI schema as packaged by kubernetes-models
// (types, required fields, formats), and rejects fields the schema does not declare, which the
// packaged validators let through: those are read from the same models' TypeScript declarations.
import * as path from "path";
import * as ts from "typescript";

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

export interface SchemaProblem {
    object: string;
    message: string;
}

/** The Kubernetes version kubernetes-models 5.1.0 was generated from; the stacks pin the same minor. */
export const schemaKubernetesVersion = "1.34";

/**
 * The stable API versions Kubernetes 1.34 serves. kubernetes-models also ships long-removed versions
 * (extensions/v1beta1, policy/v1beta1 ...), so its presence alone does not mean the API server accepts them.
 */
const servedStableApiVersions = new Set([
    "v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "resource.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
]);

/**
 * Whether an API version belongs to a custom resource: its group is a domain outside Kubernetes's own (`*.k8s.io` and
 * the dotless built-in groups). The Kubernetes schema has no say over those; their CRDs' schemas do, in their tests.
 */
export function isCustomResource(apiVersion: string): boolean {
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    return group.includes(".") && !group.endsWith(".k8s.io");
}

const modelsRoot = path.dirname(require.resolve("kubernetes-models/package.json"));

function modelPath(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    return group ? `${group}/${version}/${kind}` : `${version}/${kind}`;
}

export function describeObject(object: KubernetesObject): string {
    const namespace = object.metadata?.namespace ? `${object.metadata.namespace}/` : "";
    return `${object.kind} ${namespace}${object.metadata?.name ?? "(unnamed)"}`;
}

interface ModelClass {
    new (data: unknown): { validate(): void };
}

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
    try {
        const module = (await import(`kubernetes-models/${modelPath(apiVersion, kind)}`)) as Record<string, ModelClass>;
        return module[kind];
    } catch {
        return undefined;
    }
}

/** Walks declared TypeScript types; one compiler program for every kind checked in a run. */
class DeclaredFields {
    private readonly program: ts.Program;
    private readonly checker: ts.TypeChecker;

    constructor(declarationFiles: string[]) {
        this.program = ts.createProgram(declarationFiles, {
            module: ts.ModuleKind.Node16,
            moduleResolution: ts.ModuleResolutionKind.Node16,
            target: ts.ScriptTarget.ES2022,
            noEmit: true,
            skipLibCheck: true,
            types: [],
        });
        this.checker = this.program.getTypeChecker();
    }

    rootType(declarationFile: string, kind: string): ts.Type | undefined {
        const source = this.program.getSourceFile(declarationFile);
        if (!source) return undefined;
        const moduleSymbol = this.checker.getSymbolAtLocation(source);
        const exported = moduleSymbol && this.checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.name === `I${kind}`);
        return exported ? this.checker.getDeclaredTypeOfSymbol(exported) : undefined;
    }

    unknownFields(value: unknown, type: ts.Type, at: string, problems: string[]): void {
        if (value === null || value === undefined || typeof value !== "object") return;
        const candidates = (type.isUnion() ? type.types : [type]).filter(
            (t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) && t.flags & ts.TypeFlags.Object,
        );
        if (candidates.length === 0) return;
        if (Array.isArray(value)) {
            const arrayType = candidates.find((t) => this.checker.isArrayType(t));
            if (!arrayType) {
                problems.push(`${at || "/"}: an array where the schema expects an object`);
                return;
            }
            const [elementType] = this.checker.getTypeArguments(arrayType as ts.TypeReference);
            value.forEach((element, index) => this.unknownFields(element, elementType, `${at}/${index}`, problems));
            return;
        }
        const objectType = candidates.find((t) => !this.checker.isArrayType(t));
        if (!objectType) return;
        const mapValues = this.checker.getIndexInfoOfType(objectType, ts.IndexKind.String);
        for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
            const property = objectType.getProperty(key);
            if (property) {
                this.unknownFields(child, this.checker.getTypeOfSymbol(property), `${at}/${key}`, problems);
            } else if (mapValues) {
                this.unknownFields(child, mapValues.type, `${at}/${key}`, problems);
            } else {
                problems.push(`${at}/${key}: unknown field "${key}"`);
            }
        }
    }
}

/** Building a compiler program takes seconds; one per set of kinds serves every later check of the same kinds. */
const declaredFieldsCache = new Map<string, DeclaredFields>();

function declaredFieldsFor(declarationFiles: string[]): DeclaredFields {
    const key = [...declarationFiles].sort().join("\n");
    let fields = declaredFieldsCache.get(key);
    if (!fields) declaredFieldsCache.set(key, (fields = new DeclaredFields(declarationFiles)));
    return fields;
}

export interface ValidateOptions {
    /** Patches carry only the fields they set: check field names, not required fields. */
    partial?: (object: KubernetesObject) => boolean;
}

/** Validates each object; returns every problem found (an empty list means all are valid). */
export async function validateObjects(objects: KubernetesObject[], options: ValidateOptions = {}): Promise<SchemaProblem[]> {
    const problems: SchemaProblem[] = [];
    const declarations = new Map<KubernetesObject, string>();
    for (const object of objects) {
        declarations.set(object, path.join(modelsRoot, `${modelPath(object.apiVersion, object.kind)}.d.ts`));
    }
    const fields = declaredFieldsFor([...new Set(declarations.values())]);

    for (const object of objects) {
        const name = describeObject(object);
        if (!servedStableApiVersions.has(object.apiVersion)) {
            problems.push({ object: name, message: `${object.apiVersion} is not a stable API version served by Kubernetes ${schemaKubernetesVersion}` });
            continue;
        }
        const Model = await loadModel(object.apiVersion, object.kind);
        const rootType = fields.rootType(declarations.get(object) as string, object.kind);
        if (!Model || !rootType) {
            problems.push({ object: name, message: `${object.apiVersion} ${object.kind} is not in the Kubernetes ${schemaKubernetesVersion} schema` });
            continue;
        }
        if (!options.partial?.(object)) {
            try {
                new Model(object).validate();
            } catch (error) {
                problems.push({ object: name, message: error instanceof Error ? error.message : String(error) });
            }
        }
        const unknown: string[] = [];
        fields.unknownFields(object, rootType, "", unknown);
        problems.push(...unknown.map((message) => ({ object: name, message })));
    }
    return problems;
}
