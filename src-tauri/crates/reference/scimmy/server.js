// SCIMMY reference provider for SCIM Desk's tests and demo.
//
// An in-memory SCIM 2.0 service provider built from SCIMMY 1.3.5 and scimmy-routers 1.3.2 on
// Express 4 (Express 5 makes req.query read-only and SCIMMY's paging is then silently ignored).
// It listens on 127.0.0.1 only and requires a bearer token. Its quirks are SCIMMY's own (see
// the project's SCIM facts); this file adds only what a real deployment's storage would:
// ids, userName uniqueness (409), and 404 for unknown ids.
//
// With --client-id and --client-secret it also issues OAuth 2.0 access tokens by the client
// credentials grant at POST /oauth/token (client authenticated with HTTP Basic), accepted like
// the bearer token until they expire (--token-lifetime seconds, default 3600).
//
// Usage: SCIMMY_TOKEN=... [SCIMMY_CLIENT_SECRET=...] node server.js --port PORT [--client-id ID]
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";
import {randomUUID} from "node:crypto";

function arg(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(arg("port", process.env.SCIMMY_PORT ?? "0"));
// Secrets come from the environment (readable by this user only), not the command line
// (which every local user can list); the arguments stay for running it by hand.
const token = process.env.SCIMMY_TOKEN || arg("token", "");
if (!token) {
    console.error("scimmy server: SCIMMY_TOKEN (or --token) is required");
    process.exit(2);
}

const clientId = arg("client-id", "");
const clientSecret = process.env.SCIMMY_CLIENT_SECRET || arg("client-secret", "");
const tokenLifetime = Number(arg("token-lifetime", "3600"));
/** Access tokens issued by /oauth/token, with when they expire (ms since the epoch). */
const issued = new Map();

const stores = {Users: new Map(), Groups: new Map()};

function stamp(record, isNew) {
    const now = new Date().toISOString();
    record.meta = {...(record.meta ?? {}), lastModified: now};
    if (isNew) record.meta.created = now;
    return record;
}

function declare(Resource, storeName, uniqueAttr) {
    const store = stores[storeName];
    Resource.ingress((resource, instance) => {
        const data = JSON.parse(JSON.stringify(instance));
        if (uniqueAttr && data[uniqueAttr] !== undefined) {
            for (const [id, existing] of store) {
                if (id !== resource.id && String(existing[uniqueAttr]).toLowerCase() === String(data[uniqueAttr]).toLowerCase()) {
                    throw new SCIMMY.Types.Error(409, "uniqueness", `${uniqueAttr} "${data[uniqueAttr]}" is already in use`);
                }
            }
        }
        if (resource.id) {
            const existing = store.get(resource.id);
            if (!existing) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
            const record = stamp({...data, id: resource.id, meta: existing.meta}, false);
            store.set(resource.id, record);
            return record;
        }
        const id = randomUUID();
        const record = stamp({...data, id}, true);
        store.set(id, record);
        return record;
    });
    Resource.egress((resource) => {
        if (resource.id) {
            const record = store.get(resource.id);
            if (!record) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
            return record;
        }
        const all = [...store.values()];
        return resource.filter ? resource.filter.match(all) : all;
    });
    Resource.degress((resource) => {
        if (!store.delete(resource.id)) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
    });
}

SCIMMY.Resources.declare(SCIMMY.Resources.User);
SCIMMY.Resources.declare(SCIMMY.Resources.Group);
SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false);
declare(SCIMMY.Resources.User, "Users", "userName");
declare(SCIMMY.Resources.Group, "Groups", "displayName");

const app = express();
if (clientId && clientSecret) {
    app.post("/oauth/token", express.urlencoded({extended: false}), (req, res) => {
        const expected = "Basic " + Buffer.from(`${clientId}:${clientSecret}`).toString("base64");
        if (req.header("Authorization") !== expected) {
            return res.status(401).json({error: "invalid_client"});
        }
        if (req.body.grant_type !== "client_credentials") {
            return res.status(400).json({error: "unsupported_grant_type"});
        }
        const accessToken = randomUUID();
        issued.set(accessToken, Date.now() + tokenLifetime * 1000);
        res.json({access_token: accessToken, token_type: "Bearer", expires_in: tokenLifetime});
    });
}
app.use("/scim/v2", new SCIMMYRouters({
    type: "bearer",
    docUri: "https://example.invalid/scim-desk/auth",
    handler: (request) => {
        const presented = (request.header("Authorization") ?? "").replace(/^Bearer /, "");
        const oauthValid = issued.has(presented) && issued.get(presented) > Date.now();
        if (presented !== token && !oauthValid) {
            throw new Error("Authorization failed: a valid bearer token is required");
        }
        return "scim-desk-tests";
    },
}));

const server = app.listen(port, "127.0.0.1", () => {
    const address = server.address();
    console.log(`scimmy listening on http://127.0.0.1:${address.port}/scim/v2 pid=${process.pid}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => server.close(() => process.exit(0)));
}
