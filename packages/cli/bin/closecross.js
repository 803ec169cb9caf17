#!/usr/bin/env node
// The package ships TypeScript: tsx loads it (a dependency), then the CLI runs.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
