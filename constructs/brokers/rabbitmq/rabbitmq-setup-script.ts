/**
 * The program the RabbitMQ set-up job runs (`node -e`, on the Node image the
 * apps use): it makes the broker's app users match what the stack grants,
 * through the management HTTP API, as the administrator.
 *
 * Input, from the environment:
 * - MANAGEMENT_URLS: every node's `http://<node>:15672`, comma-separated; the
 *   first that answers serves every request (users are cluster-wide);
 * - ADMIN_USER, ADMIN_PASSWORD: the administrator;
 * - VHOST: the virtual host the permissions are on;
 * - APP_USERS: JSON `[{ name, configure, write, read, topics, passwordEnv }]`,
 *   `topics` being the user's topic permissions `[{ exchange, write, read }]`;
 * - and each app's password in the variable its `passwordEnv` names;
 * - NODES_IMAGE: the nodes' image id, read by nothing: it is there so that a
 *   new image replaces the job, which then runs again once the new nodes are up.
 *
 * It PUTs each user (tag MANAGED_TAG: no management or policy access), its
 * permissions and its topic permissions (those on exchanges no longer granted
 * are cleared first: the API clears a user's topic permissions of a vhost all
 * at once, and a DELETE of none is a 404), then deletes users carrying MANAGED_TAG that the stack no longer
 * grants. Then it enables every stable feature flag still disabled, as
 * `rabbitmqctl enable_feature_flag all` does: after an upgrade a node enables
 * only the flags its version requires (4.3 on a 4.0 volume: `khepri_db`,
 * `rabbitmq_4.1.0`, `rabbitmq_4.2.0`, not `rabbitmq_4.3.0`), and the next
 * upgrade requires the rest. A fresh node has them all already. Never an
 * experimental flag, nor `khepri_db`: moving a cluster's metadata from
 * Mnesia to Khepri is the operator's step (4.3 requires it and enables it
 * itself at boot). Requests are retried for up to 60 s (the management listener may
 * start a moment after the node reports healthy). Passwords are never printed.
 * Exits 0 when every user and flag is as wanted, else 1 with one line per failure.
 *
 * Plain JavaScript with no template literals: it is embedded in a Terraform
 * string, where `${` would interpolate.
 */
export const RABBITMQ_MANAGED_USER_TAG = "cdktf-docker-messaging-app";

export const RABBITMQ_SETUP_SCRIPT = `
const env = process.env;
const urls = env.MANAGEMENT_URLS.split(",");
const auth = "Basic " + Buffer.from(env.ADMIN_USER + ":" + env.ADMIN_PASSWORD).toString("base64");
const vhost = encodeURIComponent(env.VHOST);
const wanted = JSON.parse(env.APP_USERS);
const TAG = "${RABBITMQ_MANAGED_USER_TAG}";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function call(method, path, body) {
  const deadline = Date.now() + 60000;
  let last = "";
  for (let attempt = 0; ; attempt++) {
    for (const url of urls) {
      try {
        const res = await fetch(url + "/api" + path, {
          method,
          headers: { authorization: auth, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(5000),
        });
        if (res.ok) return res.status === 204 || res.status === 201 ? null : res.json().catch(() => null);
        last = method + " " + path + ": HTTP " + res.status + " from " + url;
        if (res.status === 401 || res.status === 403 || res.status === 400) throw new Error(last);
      } catch (err) {
        if (String(err.message).startsWith(method + " ")) throw err;
        last = method + " " + path + ": " + err.message + " (" + url + ")";
      }
    }
    if (Date.now() > deadline) throw new Error(last);
    await sleep(Math.min(5000, 250 * 2 ** attempt));
  }
}
(async () => {
  let failed = 0;
  for (const u of wanted) {
    try {
      const password = env[u.passwordEnv];
      if (!password) throw new Error("no password in " + u.passwordEnv);
      const userPath = encodeURIComponent(u.name);
      await call("PUT", "/users/" + userPath, { password: password, tags: TAG });
      await call("PUT", "/permissions/" + vhost + "/" + userPath, { configure: u.configure, write: u.write, read: u.read });
      const had = ((await call("GET", "/users/" + userPath + "/topic-permissions")) || []).filter((t) => t.vhost === env.VHOST);
      if (had.some((t) => !u.topics.some((w) => w.exchange === t.exchange))) await call("DELETE", "/topic-permissions/" + vhost + "/" + userPath);
      for (const t of u.topics) await call("PUT", "/topic-permissions/" + vhost + "/" + userPath, t);
      console.log("user " + u.name + ": configure " + JSON.stringify(u.configure) + ", write " + JSON.stringify(u.write) + ", read " + JSON.stringify(u.read) +
        u.topics.map((t) => ", routing keys on " + JSON.stringify(t.exchange) + " " + JSON.stringify(t.write)).join(""));
    } catch (err) {
      failed++;
      console.error("user " + u.name + ": " + err.message);
    }
  }
  try {
    const names = new Set(wanted.map((u) => u.name));
    const users = (await call("GET", "/users")) || [];
    for (const u of users) {
      const tags = Array.isArray(u.tags) ? u.tags : String(u.tags || "").split(",");
      if (!tags.includes(TAG) || names.has(u.name)) continue;
      await call("DELETE", "/users/" + encodeURIComponent(u.name));
      console.log("user " + u.name + ": deleted (no longer granted)");
    }
  } catch (err) {
    failed++;
    console.error("removing users no longer granted: " + err.message);
  }
  try {
    const flags = (await call("GET", "/feature-flags")) || [];
    const disabled = flags.filter((f) => f.state === "disabled" && f.stability === "stable" && f.name !== "khepri_db").map((f) => f.name);
    for (const name of disabled) await call("PUT", "/feature-flags/" + encodeURIComponent(name) + "/enable", {});
    console.log(disabled.length === 0 ? "feature flags: every stable flag enabled" : "feature flags: enabled " + disabled.join(", "));
  } catch (err) {
    failed++;
    console.error("enabling the feature flags: " + err.message + " (run rabbitmqctl enable_feature_flag all on a node)");
  }
  if (failed > 0) process.exit(1);
  console.log("set-up done");
})();
`;
