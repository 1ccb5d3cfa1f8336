// A real OpenID provider on loopback for the single sign-on tests: panva's oidc-provider
// (OpenID certified) with its development login and consent pages, where any password signs in
// as the account id typed. Only this configuration is ours.
//
// Environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI (Stackledger's callback), and
// ACCOUNTS, a JSON file of {"account id": {"email": ..., "name": ..., "groups": [...]}}. The
// file is read at every sign-in, so a test changes someone's groups between two of them.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const { PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, ACCOUNTS } = process.env;
const people = () => JSON.parse(readFileSync(ACCOUNTS, 'utf8'));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const provider = new Provider(`http://127.0.0.1:${PORT}`, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [REDIRECT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  async findAccount(ctx, id) {
    const person = people()[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...person }; } };
  },
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' }] },
  cookies: { keys: ['stackledger-test-provider-only'] },
  features: { devInteractions: { enabled: true } },
});

provider.listen(Number(PORT), '127.0.0.1');
