/** package-hygiene through the rule tester (test/support/rule-tester.ts): one case per rule
 * family, read like ESLint's rule tests. */
import { ruleTester } from '../support/rule-tester.js';
import { transform } from '../../transforms/package-hygiene/index.js';

ruleTester('package-hygiene', [transform], {
  valid: [
    { code: 'FROM alpine:3.20\nRUN apk add --no-cache curl\n' },
    { code: 'FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n' },
    {
      name: 'pip behind sudo is skipped with its reason',
      code: 'FROM ubuntu:22.04\nUSER dev\nRUN sudo pip3 install awscli\n',
      skipped: ['package-hygiene/pip-no-cache-dir: runs under `sudo`'],
    },
  ],
  invalid: [
    {
      name: 'apk update && apk add -> apk add --no-cache (DL3019)',
      code: 'FROM alpine:3.20\nRUN apk update && apk add curl\n',
      output: 'FROM alpine:3.20\nRUN apk add --no-cache curl\n',
      fixes: [{ rule: 'package-hygiene/apk-no-cache', applicability: 'safe', message: 'DL3019' }],
    },
    {
      name: 'pip install gets --no-cache-dir (DL3042)',
      code: 'FROM python:3.12-slim\nRUN pip install flask\n',
      output: 'FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n',
      fixes: ['package-hygiene/pip-no-cache-dir'],
    },
    {
      name: 'apt lists are removed; --no-install-recommends is a review fix',
      code: 'FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n',
      output:
        'FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n',
      fixes: [{ rule: 'package-hygiene/apt-list-cleanup', message: 'DL3009' }],
      pending: ['package-hygiene/apt-no-install-recommends'],
    },
  ],
});
