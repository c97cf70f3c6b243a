import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelsFor } from "../labels";
import { reviewGroup, reviewNamespacePrefix } from "../../stacks/naming";

export interface ReviewAccessArgs {
    clusterName: pulumi.Input<string>;
    /** The review-environment role (bootstrap's eks-app-review; config: clusterReviewRole). */
    principalArn: string;
    partition: string;
}

/**
 * What the review role may do on staging's cluster: edit inside `eks-app-pr-*` namespaces (an EKS access policy with a
 * namespace scope), and create, bound and delete such namespaces (RBAC for its group, held to the prefix and to
 * restricted Pod Security by an admission policy, since RBAC cannot scope a create by name). Nothing else: not
 * staging's own namespaces, not the cluster.
 */
export class ReviewAccess extends pulumi.ComponentResource {
    constructor(name: string, args: ReviewAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:review:Access", name, {}, opts);
        const parent = this;
        const entry = new aws.eks.AccessEntry(
            name,
            { clusterName: args.clusterName, principalArn: args.principalArn, type: "STANDARD", kubernetesGroups: [reviewGroup] },
            { parent },
        );
        new aws.eks.AccessPolicyAssociation(
            name,
            {
                clusterName: args.clusterName,
                principalArn: args.principalArn,
                // Edit, not admin: no Roles or RoleBindings, so the review role cannot grant itself anything.
                policyArn: `arn:${args.partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy`,
                accessScope: { type: "namespace", namespaces: [`${reviewNamespacePrefix}*`] },
            },
            { parent, dependsOn: [entry] },
        );
        reviewClusterAccess(name, { parent });
        this.registerOutputs({});
    }
}

/**
 * The Kubernetes half of ReviewAccess, for the review role's group: the right to create, bound and delete namespaces,
 * and the admission policy that holds it to `eks-app-pr-*` namespaces enforcing restricted Pod Security. Apart so the
 * end-to-end suite applies it to a real API server, where the AWS half cannot run (tests/e2e/review-environments).
 */
export function reviewClusterAccess(name: string, opts: pulumi.CustomResourceOptions): void {
    const labels = labelsFor("review-access");
    const role = new k8s.rbac.v1.ClusterRole(
        name,
        {
            metadata: { name: "eks-app-review-environments", labels },
            rules: [
                // List: the sweeper finds namespaces left without a stack.
                { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                // Edit may only read these; the review stack sets its own namespace's bounds.
                { apiGroups: [""], resources: ["resourcequotas", "limitranges"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
            ],
        },
        opts,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
        name,
        {
            metadata: { name: "eks-app-review-environments", labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: reviewGroup }],
        },
        opts,
    );
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
        name,
        {
            metadata: { name: "eks-app-review-environments", labels },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: {
                    resourceRules: [
                        { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["namespaces", "resourcequotas", "limitranges"] },
                    ],
                },
                // Only the review role's requests; every other user is left to RBAC alone.
                matchConditions: [{ name: "review-role", expression: `request.userInfo.groups.exists(g, g == '${reviewGroup}')` }],
                variables: [{ name: "target", expression: "object != null ? object : oldObject" }],
                validations: [
                    {
                        expression:
                            `request.resource.resource == 'namespaces' ? variables.target.metadata.name.startsWith('${reviewNamespacePrefix}') ` +
                            `: request.namespace.startsWith('${reviewNamespacePrefix}')`,
                        message: `the review role may change only namespaces named ${reviewNamespacePrefix}<n> and what is in them`,
                    },
                    {
                        expression:
                            "request.resource.resource != 'namespaces' || request.operation == 'DELETE' || " +
                            "(has(object.metadata.labels) && 'pod-security.kubernetes.io/enforce' in object.metadata.labels && " +
                            "object.metadata.labels['pod-security.kubernetes.io/enforce'] == 'restricted')",
                        message: "a review namespace enforces Pod Security restricted",
                    },
                ],
            },
        },
        opts,
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        name,
        { metadata: { name: "eks-app-review-environments", labels }, spec: { policyName: policy.metadata.name, validationActions: ["Deny"] } },
        opts,
    );
}
