/**
 * Writes deploy/k8s/components/prometheus-operator/prometheusrule.yaml from
 * deploy/prometheus/aiops-agent-rules.yml: the same groups, as a PrometheusRule of the Prometheus
 * Operator. A test fails when the two differ; run this after changing the rules.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
export const RULES = "deploy/prometheus/aiops-agent-rules.yml";
export const PROMETHEUS_RULE = "deploy/k8s/components/prometheus-operator/prometheusrule.yaml";

/** The PrometheusRule for a rules file's text. */
export function prometheusRule(rulesText: string): string {
  const rules = Bun.YAML.parse(rulesText) as { groups: unknown[] };
  const doc = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "aiops-agent", labels: { "app.kubernetes.io/name": "aiops-agent", "app.kubernetes.io/part-of": "aiops-agent" } },
    spec: { groups: rules.groups },
  };
  return `# Generated from ${RULES} by \`bun scripts/prometheus-rule.ts\`: edit the rules there.\n${Bun.YAML.stringify(doc, null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(join(ROOT, PROMETHEUS_RULE), prometheusRule(readFileSync(join(ROOT, RULES), "utf8")));
  console.log(`${PROMETHEUS_RULE} written`);
}
