import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";

/**
 * Stands for a value Pulumi cannot know until the update runs: during preview, outputs of resources not yet
 * created (an ARN, a generated name) reach policies as unknowns. Policies skip these instead of failing on them.
 */
export const unknownValue: unique symbol = Symbol("unknown during preview");
export type UnknownValue = typeof unknownValue;

/** Resource properties as plain data, with every value unknown during preview replaced by `unknownValue`. */
export type Properties = Record<string, unknown>;

function read(container: object, key: string): unknown {
    try {
        return (container as Record<string, unknown>)[key];
    } catch (error) {
        if (error instanceof UnknownValueError) return unknownValue;
        throw error;
    }
}

function copy(value: unknown): unknown {
    if (Array.isArray(value)) return Array.from({ length: value.length }, (_, index) => copy(read(value, String(index))));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.keys(value).map((key) => [key, copy(read(value, key))]));
    }
    return value;
}

/**
 * Copies the properties a policy receives into plain data. Pulumi hands policies a proxy that throws on reading an
 * unknown value, which would abort every check of the resource; reading through a second proxy also catches the
 * raw unknown markers when the properties are not proxied (tests, other callers).
 */
export function plainProperties(props: Record<string, unknown>): Properties {
    return copy(unknownCheckingProxy(props)) as Properties;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The value at a path: `unknownValue` when any step is unknown, `undefined` when any step is missing. */
export function valueAt(value: unknown, ...path: string[]): unknown {
    let current = value;
    for (const step of path) {
        if (current === unknownValue) return unknownValue;
        if (!isRecord(current)) return undefined;
        current = current[step];
    }
    return current;
}

/** A list property as an array (absent is empty); `unknownValue` when the list itself is unknown. */
export function listAt(value: unknown, ...path: string[]): unknown[] | UnknownValue {
    const list = valueAt(value, ...path);
    if (list === unknownValue) return unknownValue;
    return Array.isArray(list) ? list : [];
}

/** A map of strings (labels, annotations, tags), absent is empty; unknown entries stay unknown. */
export function stringMapAt(value: unknown, ...path: string[]): Record<string, string | UnknownValue> | UnknownValue {
    const map = valueAt(value, ...path);
    if (map === unknownValue) return unknownValue;
    if (!isRecord(map)) return {};
    return Object.fromEntries(
        Object.entries(map).filter((entry): entry is [string, string | UnknownValue] => typeof entry[1] === "string" || entry[1] === unknownValue),
    );
}

/** Whether any value inside (at any depth) is unknown during preview. */
export function containsUnknown(value: unknown): boolean {
    if (value === unknownValue) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    return isRecord(value) && Object.values(value).some(containsUnknown);
}
