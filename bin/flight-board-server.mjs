#!/usr/bin/env node
// Launches the TypeScript server through tsx, so the package runs without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../server/main.ts');
