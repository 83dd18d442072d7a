// Copies the console's pages and stylesheet next to its compiled scripts (tsc -p
// tsconfig.console.json), so dist/apps/gateway/console holds everything the gateway serves.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'apps/gateway/console');
const to = join(root, 'dist/apps/gateway/console');
const FILES = ['index.html', 'device.html', 'console.css'];

mkdirSync(to, { recursive: true });
for (const file of FILES) copyFileSync(join(from, file), join(to, file));
