// Verifies XAdES signatures with xadesjs (an implementation independent of istmo).
// usage: node verify.mjs FILE...   (run with NODE_PATH or from a directory holding node_modules)
// Prints one line per file; exit 0 when every file verifies, 1 otherwise.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// Resolve the packages from the cache directory given in XADESJS_CACHE (run.sh sets it).
const cache = process.env.XADESJS_CACHE;
if (!cache) {
  console.error('verify.mjs: XADESJS_CACHE is not set');
  process.exit(2);
}
const require = createRequire(path.join(cache, 'package.json'));
const xadesjs = require('xadesjs');
const xmldom = require('@xmldom/xmldom');
const xpath = require('xpath');
const { Crypto } = require('@peculiar/webcrypto');

xadesjs.setNodeDependencies({
  XMLSerializer: xmldom.XMLSerializer,
  DOMParser: xmldom.DOMParser,
  DOMImplementation: xmldom.DOMImplementation,
  xpath,
});
xadesjs.Application.setEngine('NodeJS', new Crypto());

const DS = 'http://www.w3.org/2000/09/xmldsig#';
const XADES = 'http://uri.etsi.org/01903/v1.3.2#';

async function verifyFile(file) {
  const doc = xadesjs.Parse(readFileSync(file, 'utf8'));
  const signatures = doc.getElementsByTagNameNS(DS, 'Signature');
  if (signatures.length !== 1) throw new Error(`expected 1 ds:Signature, found ${signatures.length}`);
  if (doc.getElementsByTagNameNS(XADES, 'SignedProperties').length !== 1)
    throw new Error('no xades:SignedProperties: not a XAdES signature');
  const signed = new xadesjs.SignedXml(doc);
  signed.LoadXml(signatures[0]);
  // xadesjs checks SignatureValue and every Reference (SignedProperties included) with the key
  // of the certificate in KeyInfo.
  const ok = await signed.Verify();
  const props = signed.SignedProperties?.SignedSignatureProperties;
  const signingTime = props?.SigningTime?.Value?.toISOString?.() ?? '';
  const certs = props?.SigningCertificateV2?.Count ?? props?.SigningCertificate?.Count ?? 0;
  return { ok, signingTime, certs };
}

let failures = 0;
for (const file of process.argv.slice(2)) {
  try {
    const r = await verifyFile(file);
    console.log(`${r.ok ? 'OK  ' : 'FAIL'} ${path.basename(file)} signingTime=${r.signingTime} signingCertificates=${r.certs}`);
    if (!r.ok) failures++;
  } catch (e) {
    console.log(`FAIL ${path.basename(file)}: ${e && e.stack ? e.stack : e}`);
    failures++;
  }
}
process.exit(failures === 0 && process.argv.length > 2 ? 0 : 1);
