"""The peer of the sync benchmark: what a person would write instead of SCIM Desk.

It pages through every user of a SCIM provider with scim2-client (the Python SCIM client of
the scim2 project, over httpx2), checks each page against the schemas as the library does by
default, and stores every user as JSON in one SQLite transaction. Usage:

    peer_sync.py BASE_URL TOKEN DATABASE PAGE_SIZE

Prints the number of users stored and the seconds taken.
"""

import sqlite3
import sys
import time

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import SearchRequest


def main() -> None:
    base, token, database, page = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    started = time.perf_counter()
    http = Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
    scim = SyncSCIMClient(http)
    scim.discover()
    db = sqlite3.connect(database)
    db.execute("CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, user_name TEXT, raw TEXT)")
    stored = 0
    start = 1
    with db:
        while True:
            response = scim.query("User", query_parameters=SearchRequest(start_index=start, count=page))
            resources = response.resources or []
            db.executemany(
                "INSERT OR REPLACE INTO users VALUES (?, ?, ?)",
                [(u.id, getattr(u, "user_name", None), u.model_dump_json()) for u in resources],
            )
            stored += len(resources)
            start += len(resources)
            if not resources or stored >= (response.total_results or 0):
                break
    print(stored, time.perf_counter() - started)


if __name__ == "__main__":
    main()
