import { PolicyPack } from "@pulumi/policy";
import { guardrails } from "./policies";

new PolicyPack("eks-app-guardrails", { policies: guardrails });
