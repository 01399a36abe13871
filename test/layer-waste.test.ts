/** layer-waste rules on small inputs (the fixtures hold the realistic cases). */
import { describe, expect, test } from '@jest/globals';
import { optimize } from '../src/api.js';

async function run(text: string, context: Record<string, string> | null = null, unsafe = false) {
  const r = await optimize(text, { path: 'Dockerfile', context, only: ['layer-waste'], unsafe });
  const again = await optimize(r.output, {
    path: 'Dockerfile',
    context,
    only: ['layer-waste'],
    unsafe,
  });
  expect(again.output).toBe(r.output); // one pass reaches the fixed point
  return {
    output: r.output,
    applied: r.fixes.filter((f) => f.applied).map((f) => f.ruleId),
    pending: r.fixes.filter((f) => !f.applied).map((f) => f.ruleId),
    skipped: r.skipped.map((s) => `${s.ruleId}: ${s.reason}`),
  };
}

const APP = { 'main.py': 'print(1)\n' };

describe('copy-chown', () => {
  test('chown without a group keeps group 0 (COPY --chown=U would take the user’s group)', async () => {
    const r = await run(
      'FROM debian:bookworm\nRUN useradd app\nCOPY main.py /srv/main.py\nRUN chown app /srv/main.py\n',
      APP,
    );
    expect(r.output).toBe(
      'FROM debian:bookworm\nRUN useradd app\nCOPY --chown=app:0 main.py /srv/main.py\n',
    );
    expect(r.applied).toEqual(['layer-waste/copy-chown']);
  });

  test('`chown U:` (the login group) is skipped', async () => {
    const r = await run(
      'FROM debian:bookworm\nCOPY main.py /srv/main.py\nRUN chown 1000: /srv/main.py\n',
      APP,
    );
    expect(r.applied).toEqual([]);
    expect(r.skipped.join('\n')).toContain("takes the user's login group");
  });

  test('a COPY that creates the folder above its destination is skipped for chown (the new folder would get the owner)', async () => {
    const r = await run(
      'FROM debian:bookworm\nCOPY . /opt/acme/app\nRUN chown -R 1000:1000 /opt/acme/app\n',
      APP,
    );
    expect(r.applied).toEqual([]);
    expect(r.skipped.join('\n')).toContain('may create the folder /opt/acme too');
  });

  test('a user the known base image ships (node) needs no useradd', async () => {
    const r = await run(
      'FROM node:20\nCOPY . /home/node/app\nRUN chown -R node:node /home/node/app\n',
      APP,
    );
    expect(r.output).toBe(
      'FROM node:20\nCOPY --chown=node:node . /home/node/app\nRUN chown node:node /home/node/app\n',
    );
  });

  test('a user nobody created is skipped', async () => {
    const r = await run('FROM debian:bookworm\nCOPY . /app\nRUN chown -R app:app /app\n', APP);
    expect(r.applied).toEqual([]);
    expect(r.skipped.join('\n')).toContain('`app` is not created before the COPY on line 2');
  });

  test('a RUN that does more than the chown: review, only the command goes', async () => {
    const text =
      'FROM debian:bookworm\nRUN useradd app\nCOPY main.py /srv/main.py\nRUN chown app:app /srv/main.py && echo done\n';
    const safe = await run(text, APP);
    expect(safe.pending).toEqual(['layer-waste/copy-chown']);
    const r = await run(text, APP, true);
    expect(r.output).toBe(
      'FROM debian:bookworm\nRUN useradd app\nCOPY --chown=app:app main.py /srv/main.py\nRUN echo done\n',
    );
  });

  test('an unrelated chmod (no COPY wrote there) is not reported', async () => {
    const r = await run('FROM debian:bookworm\nRUN touch /x && chmod +x /x\n', APP);
    expect(r).toMatchObject({ applied: [], pending: [], skipped: [] });
  });
});

describe('delete-later', () => {
  test('merge in the trailing `&& \\` style of the author', async () => {
    const r = await run(
      'FROM debian:bookworm\nRUN wget -O /tmp/a.zip https://example.com/a.zip && \\\n    echo got\nRUN unzip /tmp/a.zip -d /opt && \\\n    rm /tmp/a.zip\n',
    );
    expect(r.output).toBe(
      'FROM debian:bookworm\nRUN wget -O /tmp/a.zip https://example.com/a.zip && \\\n    echo got && \\\n    unzip /tmp/a.zip -d /opt && \\\n    rm /tmp/a.zip\n',
    );
    expect(r.applied).toEqual(['layer-waste/delete-later']);
  });

  test('an rm of more than the writer wrote is not moved; adjacent RUNs merge', async () => {
    const r = await run(
      'FROM debian:bookworm\nRUN curl -o /tmp/a.tgz https://example.com/a.tgz\nRUN rm -rf /tmp/a.tgz /var/cache/x\n',
    );
    expect(r.output).toBe(
      'FROM debian:bookworm\nRUN curl -o /tmp/a.tgz https://example.com/a.tgz && rm -rf /tmp/a.tgz /var/cache/x\n',
    );
  });

  test('a writer that removes the file itself wastes nothing', async () => {
    const r = await run(
      'FROM debian:bookworm\nRUN curl -o /tmp/a.tgz https://example.com/a.tgz && rm /tmp/a.tgz\nRUN rm -f /tmp/a.tgz\n',
    );
    expect(r).toMatchObject({ applied: [], pending: [], skipped: [] });
  });

  test('a stateful writer (cd) with a relative rm is not moved into', async () => {
    const r = await run(
      'FROM debian:bookworm\nWORKDIR /w\nRUN cd /tmp && curl -o /w/a.tgz https://example.com/a.tgz\nRUN echo x\nRUN rm a.tgz\n',
    );
    expect(r.applied).toEqual([]);
  });
});

describe('purge-later', () => {
  test('more than 4 RUNs between install and purge point at a multi-stage build', async () => {
    const runs = Array.from({ length: 5 }, (_, i) => `RUN make step${i}\n`).join('');
    const r = await run(
      `FROM debian:bookworm\nRUN apt-get install -y gcc\n${runs}RUN apt-get purge -y gcc\n`,
    );
    expect(r.pending).toEqual([]);
    expect(r.skipped.join('\n')).toContain('5 instructions stand between them');
    expect(r.skipped.join('\n')).toContain('multi-stage build');
  });

  test('apk --virtual names the packages `apk del` removes', async () => {
    const r = await run(
      'FROM alpine:3.19\nRUN apk add --no-cache --virtual .bd gcc\nRUN make\nRUN apk del .bd\n',
      null,
      true,
    );
    expect(r.output).toBe(
      'FROM alpine:3.19\nRUN apk add --no-cache --virtual .bd gcc && make && apk del .bd\n',
    );
  });
});

describe('add-archive', () => {
  test('Alpine downloads with BusyBox wget', async () => {
    const r = await run(
      'FROM alpine:3.19\nADD https://example.com/t.tar.gz /tmp/t.tar.gz\nRUN tar -xzf /tmp/t.tar.gz -C /opt && rm /tmp/t.tar.gz\n',
      null,
      true,
    );
    expect(r.output).toBe(
      'FROM alpine:3.19\nRUN wget -q -O /tmp/t.tar.gz https://example.com/t.tar.gz && tar -xzf /tmp/t.tar.gz -C /opt && rm /tmp/t.tar.gz\n',
    );
  });

  test('an ADD with --chown is skipped', async () => {
    const r = await run(
      'FROM alpine:3.19\nADD --chown=1:1 https://example.com/t.tar.gz /tmp/t.tar.gz\nRUN tar -xzf /tmp/t.tar.gz -C /opt && rm /tmp/t.tar.gz\n',
    );
    expect(r.skipped.join('\n')).toContain('the ADD has flags (--chown)');
  });
});

test('a non-POSIX SHELL turns rewrites into skips', async () => {
  const r = await run(
    'FROM debian:bookworm\nSHELL ["pwsh", "-Command"]\nRUN curl -o /tmp/a.tgz https://example.com/a.tgz\nRUN rm /tmp/a.tgz\n',
  );
  expect(r.applied).toEqual([]);
  expect(r.skipped.join('\n')).toContain('not a POSIX shell; not rewritten');
});
