/** `--format sarif`: SARIF 2.1.0 for GitHub code scanning, every rule described from the
 * transforms' catalogues, one result per fix (applied or proposed). */
import { ruleMeta, transformIdOf } from '../../model/rules.js';
import type { Transform } from '../../model/types.js';
import { TOOL, type FileOutcome } from './outcome.js';

export function sarifReport(outcomes: FileOutcome[], transforms: readonly Transform[]) {
  // Every catalogued rule of the run's transforms, and any other rule id a fix reports.
  const ruleIds = [
    ...new Set([
      ...transforms.flatMap((t) => (t.meta.rules ?? []).map((r) => r.id)),
      ...outcomes.flatMap((o) => o.result?.fixes.map((f) => f.ruleId) ?? []),
    ]),
  ].sort();
  const metaOf = (ruleId: string) =>
    transforms.find((t) => t.meta.id === transformIdOf(ruleId))?.meta;
  const rules = ruleIds.map((id) => {
    const meta = metaOf(id);
    const rule = ruleMeta(transforms, id);
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) =>
        c ? c.toUpperCase() : '',
      ),
      shortDescription: { text: rule?.title ?? meta?.title ?? id },
      fullDescription: { text: meta?.docs.why || meta?.title || id },
      helpUri: `${TOOL.uri}/blob/main/docs/rules/${transformIdOf(id)}.md`,
      properties: {
        applicability: rule?.applicability ?? meta?.applicability ?? 'safe',
        hadolint: rule?.hadolint ?? meta?.hadolint ?? [],
      },
    };
  });
  const results = outcomes.flatMap((o) =>
    (o.result?.fixes ?? []).map((f) => ({
      ruleId: f.ruleId,
      ruleIndex: ruleIds.indexOf(f.ruleId),
      level: f.applicability === 'safe' ? 'warning' : 'note',
      message: { text: f.note ? `${f.message} ${f.note}` : f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(o.path) },
            region: { startLine: f.line },
          },
        },
      ],
      properties: { applicability: f.applicability, applied: f.applied },
    })),
  );
  const notifications = outcomes
    .filter((o) => o.error)
    .map((o) => ({
      level: 'error',
      message: { text: `${o.path}: ${o.error}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(o.path) } } }],
    }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: TOOL.name, version: TOOL.version, informationUri: TOOL.uri, rules },
        },
        invocations: [
          {
            executionSuccessful: notifications.length === 0,
            toolExecutionNotifications: notifications,
          },
        ],
        results,
      },
    ],
  };
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
