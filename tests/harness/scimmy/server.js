// SCIMMY reference provider for SCIM Desk's tests and demo.
//
// An in-memory SCIM 2.0 service provider built from SCIMMY 1.3.5 and scimmy-routers 1.3.2 on
// Express 4 (Express 5 makes req.query read-only and SCIMMY's paging is then silently ignored).
// It listens on 127.0.0.1 only and requires a bearer token. Its quirks are SCIMMY's own (see
// the project's SCIM facts); this file adds only what a real deployment's storage would:
// ids, userName uniqueness (409), and 404 for unknown ids.
//
// Usage: node server.js --port PORT --token TOKEN
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";
import {randomUUID} from "node:crypto";

function arg(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(arg("port", process.env.SCIMMY_PORT ?? "0"));
const token = arg("token", process.env.SCIMMY_TOKEN ?? "");
if (!token) {
    console.error("scimmy server: --token is required");
    process.exit(2);
}

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
app.use("/scim/v2", new SCIMMYRouters({
    type: "bearer",
    docUri: "https://example.invalid/scim-desk/auth",
    handler: (request) => {
        if (request.header("Authorization") !== `Bearer ${token}`) {
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
