/**
 * The Prometheus Operator component (deploy/k8s/components/prometheus-operator): its ServiceMonitor and
 * PrometheusRule against the operator's CRD schemas, against the Service they scrape, and against the
 * rules file the PrometheusRule is made from.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { PROMETHEUS_RULE, RULES, prometheusRule } from "../../scripts/prometheus-rule.ts";
import { yamlDocuments } from "./parse.ts";

const ROOT = join(import.meta.dir, "../..");
const COMPONENT = "deploy/k8s/components/prometheus-operator";
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
// biome-ignore lint: manifests are untyped on purpose; the tests say what they expect.
type Doc = any;

const component: Doc = yamlDocuments(read(`${COMPONENT}/kustomization.yaml`))[0];
const docs: Doc[] = (component.resources as string[]).flatMap((f) => yamlDocuments(read(`${COMPONENT}/${f}`)));
const serviceMonitor = docs.find((d) => d.kind === "ServiceMonitor");
const rule = docs.find((d) => d.kind === "PrometheusRule");
const service: Doc = yamlDocuments(read("deploy/k8s/service.yaml"))[0];

describe("the Prometheus Operator component", () => {
  test("is a kustomize Component holding a ServiceMonitor and a PrometheusRule", () => {
    expect(component).toMatchObject({ apiVersion: "kustomize.config.k8s.io/v1alpha1", kind: "Component" });
    expect(docs.map((d) => d.kind).sort()).toEqual(["PrometheusRule", "ServiceMonitor"]);
  });

  test("both validate against the Prometheus Operator's CRD schemas", () => {
    expect(() => new ServiceMonitor(serviceMonitor).validate()).not.toThrow();
    expect(() => new PrometheusRule(rule).validate()).not.toThrow();
  });

  test("the schemas do catch a mistake (the check is not empty)", () => {
    const broken = structuredClone(serviceMonitor);
    broken.spec.endpoints[0].interval = "every ten seconds";
    expect(() => new ServiceMonitor(broken).validate()).toThrow();
    const noExpr = structuredClone(rule);
    delete noExpr.spec.groups[0].rules[0].expr;
    expect(() => new PrometheusRule(noExpr).validate()).toThrow();
  });

  test("the ServiceMonitor selects the agent's Service and scrapes its named port", () => {
    for (const [k, v] of Object.entries(serviceMonitor.spec.selector.matchLabels)) expect(service.metadata.labels[k]).toBe(v);
    const ports = (service.spec.ports as Doc[]).map((p) => p.name);
    for (const e of serviceMonitor.spec.endpoints) {
      expect(ports).toContain(e.port);
      expect(e.path).toBe("/metrics");
    }
    // The rules' job selector (aiops-agent.*) matches the job the ServiceMonitor gives its targets.
    expect(service.metadata.labels[serviceMonitor.spec.jobLabel]).toMatch(/^aiops-agent/);
  });

  test(`the PrometheusRule is ${RULES}, as generated (bun scripts/prometheus-rule.ts)`, () => {
    expect(read(PROMETHEUS_RULE)).toBe(prometheusRule(read(RULES)));
    expect(rule.spec.groups).toEqual((Bun.YAML.parse(read(RULES)) as { groups: unknown[] }).groups);
  });
});
