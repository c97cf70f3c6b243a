// Kubernetes resource quantities in the two forms the settings allow (cpu: "250m" or "1"; memory: "128Mi" or "1Gi").

export function millicores(quantity: string): number {
    return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

export function mebibytes(quantity: string): number {
    return quantity.endsWith("Gi") ? Number(quantity.slice(0, -2)) * 1024 : Number(quantity.slice(0, -2));
}
