// The first admin of `docker compose up`, as `pnpm start` makes one: an API key and the dashboard
// password of user `admin`, made once and kept in the admin-secrets volume, from which every
// service's container loads them as ADMIN_BOOTSTRAP_KEY and ADMIN_BOOTSTRAP_PASSWORD.
// Plain JavaScript: it runs in the stock node image, before anything is built.
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const folder = process.env.ADMIN_SECRETS_DIR ?? '/run/closecross';
const file = path.join(folder, 'admin.env');
// The services run as the image's `node` user (uid and gid 1000).
const owner = Number(process.env.ADMIN_SECRETS_UID ?? 1000);

mkdirSync(folder, { recursive: true });
if (existsSync(file)) {
  console.log(`Admin sign-in: the API key and the dashboard password of user admin are kept in the admin-secrets volume (${file}).`);
} else {
  // base64url: safe to source in sh unquoted.
  const apiKey = `cc_${randomBytes(32).toString('base64url')}`;
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, `ADMIN_BOOTSTRAP_KEY=${apiKey}\nADMIN_BOOTSTRAP_PASSWORD=${password}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) chownSync(file, owner, owner);
  console.log(`Admin created. API key: ${apiKey}`);
  console.log(`Dashboard sign-in: admin / ${password}`);
  console.log(`Both are kept in the admin-secrets volume (${file}).`);
}
console.log('Show them again with: docker compose run --rm admin cat /run/closecross/admin.env');
