// Runnable API example: `npm ci` (builds dist/), then `node examples/api.mjs`.
import { optimize, optimizeFile, transforms } from 'dockerfile-optimizer';

const result = await optimize('FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n', {
  path: 'Dockerfile',
});
process.stdout.write(result.diff);
for (const f of result.fixes) {
  console.log(`Dockerfile:${f.line} ${f.ruleId}${f.applied ? '' : ' (review)'}: ${f.message}`);
}

const flask = await optimizeFile(new URL('./flask/Dockerfile', import.meta.url).pathname);
console.log(`examples/flask: ${flask.fixes.length} fixes, files changed: ${flask.files.map((f) => f.path).join(', ') || 'none'}`);
console.log(`transforms: ${transforms.map((t) => t.meta.id).join(', ')}`);
