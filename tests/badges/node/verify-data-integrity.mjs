// Verifies Open Badges 3.0 credentials with Digital Bazaar's libraries, an
// implementation that shares no code with mcembed. Offline: the JSON-LD
// contexts are the files named on the command line (mcembed's pinned copies)
// and the ones shipped in npm packages; did:key issuers resolve locally.
//
// Usage: node verify-data-integrity.mjs URL=FILE ... < credential.json
// Prints {"verified": true|false, "error": "..."} as JSON.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import multikeyContext from '@digitalbazaar/multikey-context';

const contexts = new Map();
for (const arg of process.argv.slice(2)) {
  const at = arg.indexOf('=');
  contexts.set(arg.slice(0, at), JSON.parse(readFileSync(arg.slice(at + 1), 'utf8')));
}
contexts.set(multikeyContext.CONTEXT_URL, multikeyContext.CONTEXT);

const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

async function documentLoader(url) {
  if (contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if (url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`offline verifier: no document for ${url}`);
}

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const credential = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
try {
  const result = await vc.verifyCredential({credential, suite, documentLoader});
  const error = result.verified ? '' : String(
    result.error?.errors?.[0]?.message ?? result.error?.message ??
    JSON.stringify(result.results?.map(r => r.error?.message)));
  console.log(JSON.stringify({verified: result.verified, error}));
} catch (e) {
  console.log(JSON.stringify({verified: false, error: String(e?.message ?? e)}));
}
