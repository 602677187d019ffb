/**
 * The shell scripts of the certificates job (POSIX sh + openssl 3, as in the
 * official rabbitmq image). Both scripts leave the same files in the same
 * volumes, so a broker mounts certificates of either kind the same way:
 *
 *   server volume (brokers only)   ca.pem cert.pem key.pem keystore.pem san.txt
 *   CA volume (apps, read-only)    ca.pem
 *   CA private volume (job only)   ca.key ca.pem   (generated certificates only)
 *
 * Private keys are written only inside the volumes (their working copies in
 * a `.new` folder of the same volume), never to stdout: the job's output
 * (kept in the Terraform state as `container_logs`) is progress lines and,
 * last, the CA certificate.
 */

/** Where the job mounts the volumes, and where `fromFiles` uploads the given files. */
export const JOB_PATHS = {
  server: "/tls/server",
  ca: "/tls/ca",
  caPrivate: "/tls/ca-private",
  // Uploaded before the job starts: not under /tmp, whose tmpfs would hide it.
  input: "/tls-input",
} as const;

export interface KeyOwner {
  readonly uid: number;
  readonly gid: number;
}

export interface GenerateScriptOptions {
  /** Subject CN prefix and CA name. */
  readonly name: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly validityDays: number;
  readonly caValidityDays: number;
  readonly owner: KeyOwner;
}

const q = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** `DNS:a,DNS:b,IP:127.0.0.1`: the subjectAltName value, also the stamp compared on re-runs. */
export function subjectAltName(dnsNames: readonly string[], ipAddresses: readonly string[]): string {
  return [...dnsNames.map((d) => `DNS:${d}`), ...ipAddresses.map((ip) => `IP:${ip}`)].join(",");
}

/** Shared prologue: errors on stdout in order with the rest, nothing readable by others. */
function prologue(owner: KeyOwner): string[] {
  const { server: S, ca: P } = JOB_PATHS;
  return [
    "set -eu",
    "exec 2>&1",
    "umask 077",
    `command -v openssl >/dev/null 2>&1 || { echo "tls: the job image has no openssl binary"; exit 1; }`,
    `S=${S} P=${P} OWNER=${owner.uid}:${owner.gid} GROUP=${owner.gid}`,
    // A half-finished earlier run leaves its working copies here; never reuse them.
    `rm -rf "$S/.new" && mkdir -m 700 "$S/.new"`,
  ];
}

/**
 * Installs $S/.new/{key.pem,cert.pem} (cert.pem may hold a chain) and the CA
 * file $1 into both volumes, with the modes the broker needs, then prints
 * the CA certificate.
 */
function install(caFile: string, san: string | undefined): string[] {
  return [
    `install_server() {`,
    `  cat "$S/.new/key.pem" "$S/.new/cert.pem" ${caFile} > "$S/.new/keystore.pem"`,
    `  chown "$OWNER" "$S/.new/key.pem" "$S/.new/keystore.pem"`,
    `  chmod 400 "$S/.new/key.pem" "$S/.new/keystore.pem"`,
    `  chmod 444 "$S/.new/cert.pem"`,
    // Key first, keystore last: a reader never pairs a new certificate with an old key for long.
    `  mv -f "$S/.new/key.pem" "$S/key.pem"`,
    `  mv -f "$S/.new/cert.pem" "$S/cert.pem"`,
    `  mv -f "$S/.new/keystore.pem" "$S/keystore.pem"`,
    ...(san !== undefined ? [`  printf '%s\\n' "$SAN" > "$S/san.txt" && chmod 444 "$S/san.txt"`] : [`  rm -f "$S/san.txt"`]),
    `}`,
    `install_ca() {`,
    `  cp ${caFile} "$S/ca.pem.tmp" && chmod 444 "$S/ca.pem.tmp" && mv -f "$S/ca.pem.tmp" "$S/ca.pem"`,
    `  cp ${caFile} "$P/ca.pem.tmp" && chmod 444 "$P/ca.pem.tmp" && mv -f "$P/ca.pem.tmp" "$P/ca.pem"`,
    // The broker process reads the server folder by its group; nobody else lists it.
    `  chown 0:"$GROUP" "$S" && chmod 750 "$S"`,
    `  chmod 755 "$P"`,
    `}`,
  ];
}

/**
 * Generates at deploy: a CA kept across runs in the CA private volume, and
 * a server certificate issued when missing, when its SANs differ from the
 * wanted ones, when it does not verify against the CA or match its key, or
 * when it expires within the renewal window.
 */
export function generateScript(o: GenerateScriptOptions): string {
  const { caPrivate: C } = JOB_PATHS;
  const san = subjectAltName(o.dnsNames, o.ipAddresses);
  // Renew within 30 days of expiry, or within half the validity when that is shorter.
  const renewSeconds = Math.min(30 * 86400, Math.floor((o.validityDays * 86400) / 2));
  return [
    ...prologue(o.owner),
    `C=${C} SAN=${q(san)} NAME=${q(o.name)}`,
    `chmod 700 "$C"`,
    ...install(`"$C/ca.pem"`, san),
    // 1. The CA: created once, then kept, so clients keep trusting it.
    `if [ -s "$C/ca.key" ] && [ -s "$C/ca.pem" ]; then`,
    `  echo "tls: keeping the CA $(openssl x509 -in "$C/ca.pem" -noout -subject)"`,
    `else`,
    `  echo "tls: creating the CA"`,
    `  cat > "$S/.new/ca.cnf" <<EOF`,
    `[req]`,
    `distinguished_name = dn`,
    `prompt = no`,
    `x509_extensions = v3_ca`,
    `[dn]`,
    `CN = $NAME CA`,
    `[v3_ca]`,
    `basicConstraints = critical,CA:TRUE,pathlen:0`,
    `keyUsage = critical,keyCertSign,cRLSign`,
    `subjectKeyIdentifier = hash`,
    `EOF`,
    `  openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$C/ca.key.new"`,
    `  openssl req -new -x509 -config "$S/.new/ca.cnf" -key "$C/ca.key.new" -sha256 -days ${o.caValidityDays} -out "$C/ca.pem.new"`,
    `  chmod 400 "$C/ca.key.new" && chmod 444 "$C/ca.pem.new"`,
    `  mv -f "$C/ca.key.new" "$C/ca.key" && mv -f "$C/ca.pem.new" "$C/ca.pem"`,
    `fi`,
    // 2. The server certificate.
    `current() {`,
    `  [ -s "$S/key.pem" ] && [ -s "$S/cert.pem" ] && [ -s "$S/keystore.pem" ] || { echo "tls: no server certificate yet"; return 1; }`,
    `  [ "$(cat "$S/san.txt" 2>/dev/null)" = "$SAN" ] || { echo "tls: the subject alternative names changed"; return 1; }`,
    `  openssl verify -CAfile "$C/ca.pem" "$S/cert.pem" >/dev/null 2>&1 || { echo "tls: the server certificate is not signed by the CA"; return 1; }`,
    `  openssl x509 -in "$S/cert.pem" -noout -checkend ${renewSeconds} >/dev/null || { echo "tls: the server certificate expires within ${renewSeconds} s"; return 1; }`,
    `  [ "$(openssl x509 -in "$S/cert.pem" -noout -pubkey)" = "$(openssl pkey -in "$S/key.pem" -pubout)" ] || { echo "tls: the server key does not match its certificate"; return 1; }`,
    `}`,
    `if current; then`,
    `  echo "tls: keeping the server certificate ($SAN)"`,
    `else`,
    `  echo "tls: issuing the server certificate ($SAN, ${o.validityDays} days)"`,
    `  cat > "$S/.new/server.cnf" <<EOF`,
    `[v3_server]`,
    `basicConstraints = critical,CA:FALSE`,
    `keyUsage = critical,digitalSignature,keyEncipherment`,
    `extendedKeyUsage = serverAuth,clientAuth`,
    `subjectAltName = $SAN`,
    `subjectKeyIdentifier = hash`,
    `authorityKeyIdentifier = keyid,issuer`,
    `EOF`,
    // genpkey writes PKCS#8 ("BEGIN PRIVATE KEY"), what Kafka's PEM keystore reads.
    `  openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$S/.new/key.pem"`,
    `  openssl req -new -key "$S/.new/key.pem" -subj "/CN=$NAME" -out "$S/.new/server.csr"`,
    `  openssl x509 -req -in "$S/.new/server.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -set_serial "0x$(openssl rand -hex 16)" -sha256 -days ${o.validityDays} -extfile "$S/.new/server.cnf" -extensions v3_server -out "$S/.new/cert.pem" 2>/dev/null`,
    `  install_server`,
    `fi`,
    `install_ca`,
    `rm -rf "$S/.new"`,
    `cat "$C/ca.pem"`,
    "",
  ].join("\n");
}

/**
 * Installs user-supplied files uploaded into the job (`input`): checks that
 * the key matches the certificate and that the certificate verifies against
 * the CA, writes the key as unencrypted PKCS#8, then deletes the uploaded
 * copies so the exited job container keeps no key.
 */
export function importScript(owner: KeyOwner): string {
  const I = JOB_PATHS.input;
  return [
    ...prologue(owner),
    `I=${I}`,
    `trap 'rm -rf "$I"' EXIT`,
    ...install(`"$S/.new/ca.pem"`, undefined),
    // Only the certificate blocks, LF line ends, a final newline: the files
    // concatenate cleanly and the CA output equals the installed ca.pem.
    `certs() { tr -d '\r' < "$1" | sed -n '/^-----BEGIN CERTIFICATE-----$/,/^-----END CERTIFICATE-----$/p'; }`,
    `certs "$I/ca.pem" > "$S/.new/ca.pem" && [ -s "$S/.new/ca.pem" ] || { echo "tls: the CA file holds no PEM certificate"; exit 1; }`,
    `certs "$I/cert.pem" > "$S/.new/cert.pem" && [ -s "$S/.new/cert.pem" ] || { echo "tls: the certificate file holds no PEM certificate"; exit 1; }`,
    `openssl pkey -in "$I/key.pem" -out "$S/.new/key.pem" 2>/dev/null || { echo "tls: the key file is not an unencrypted private key"; exit 1; }`,
    `[ "$(openssl x509 -in "$S/.new/cert.pem" -noout -pubkey)" = "$(openssl pkey -in "$S/.new/key.pem" -pubout)" ] || { echo "tls: the key does not belong to the certificate"; exit 1; }`,
    `openssl verify -CAfile "$S/.new/ca.pem" -untrusted "$S/.new/cert.pem" "$S/.new/cert.pem" >/dev/null || { echo "tls: the certificate does not verify against the CA file"; exit 1; }`,
    `echo "tls: installing the supplied certificate $(openssl x509 -in "$S/.new/cert.pem" -noout -subject)"`,
    `install_server`,
    `install_ca`,
    `rm -rf "$S/.new"`,
    `cat "$P/ca.pem"`,
    "",
  ].join("\n");
}
