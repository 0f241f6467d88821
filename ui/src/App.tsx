import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError, type DemoProgress } from "./ipc";
import { testIds } from "./testIds";
import { Sidebar } from "./components/Sidebar";
import { MainPanel } from "./components/MainPanel";
import { MigrationView } from "./components/MigrationView";
import { PeopleView } from "./components/people/PeopleView";
import { LinksView } from "./components/links/LinksView";
import { StatusBar } from "./components/StatusBar";
import { AddProviderDialog } from "./components/AddProviderDialog";
import { StartupError } from "./components/StartupError";
import { OfflineDataDialog } from "./components/OfflineDataDialog";
import { Opening } from "./components/Opening";
import { CrashNotice } from "./components/CrashNotice";
import { Failsafe } from "./components/Failsafe";
import type { Reachability } from "./reachability";
import { queryKeys } from "./queryKeys";

export function App() {
  const queryClient = useQueryClient();
  const info = useQuery({
    queryKey: queryKeys.appInfo(),
    queryFn: ipc.appInfo,
    // While the engine opens (a first start encrypting an earlier version's copy), ask again.
    retry: (n, e) => toCommandError(e).code === "opening" && n < 100_000,
    retryDelay: 300,
  });
  const providers = useQuery({
    queryKey: queryKeys.providers(),
    queryFn: ipc.listProviders,
    enabled: info.isSuccess,
  });
  const [selected, setSelected] = useState<string | null>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  // The room the main area shows: a provider's, People, Migrate or Links.
  const [room, setRoom] = useState<"provider" | "people" | "migrate" | "links">("provider");
  const migrating = room === "migrate";
  const peopleOpen = room === "people";
  const linksOpen = room === "links";
  const links = useQuery({ queryKey: queryKeys.links(), queryFn: ipc.listLinks, enabled: info.isSuccess });
  // A link ran (from this window or its schedule): the list and the sidebar show its result.
  useEffect(() => {
    const un = ipc
      .onLinkFinished(() => {
        void queryClient.invalidateQueries({ queryKey: queryKeys.links() });
        void queryClient.invalidateQueries({ queryKey: ["link-history"] });
      })
      .catch(() => null);
    return () => {
      void un.then((f) => f?.()).catch(() => undefined);
    };
  }, [queryClient]);
  const [offlineData, setOfflineData] = useState(false);
  const [demoProgress, setDemoProgress] = useState<DemoProgress | null>(null);
  const [reach, setReach] = useState<Record<string, Reachability>>({});
  // "Work offline": nothing talks to a provider until it is switched off (kept across starts).
  const [workOffline, setWorkOfflineState] = useState(() => localStorage.getItem("workOffline") === "1");
  const setWorkOffline = (on: boolean) => {
    localStorage.setItem("workOffline", on ? "1" : "0");
    setWorkOfflineState(on);
  };

  const demo = useMutation({
    mutationFn: async () => {
      const unlisten = await ipc.onDemoProgress(setDemoProgress);
      try {
        return await ipc.startDemo();
      } finally {
        unlisten();
        setDemoProgress(null);
      }
    },
    onSuccess: async (report) => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.providers() });
      setSelected(report.providers[0]?.name ?? null);
    },
  });

  // `cargo xtask run --demo` asks for the demo providers at start.
  const autoStarted = useRef(false);
  useEffect(() => {
    if (info.data?.startDemo && !autoStarted.current) {
      autoStarted.current = true;
      demo.mutate();
    }
  }, [info.data?.startDemo, demo]);

  // The selection falls back to the first provider when the selected one is gone.
  const list = providers.data ?? [];
  const current = list.find((p) => p.name === selected) ?? list[0] ?? null;

  if (info.isError) return <StartupError error={toCommandError(info.error)} />;
  if (info.isPending) return <Opening />;

  return (
    <div className="app" data-testid={testIds.app}>
      <Sidebar
        providers={list}
        loading={providers.isPending}
        error={providers.isError ? toCommandError(providers.error) : null}
        selected={current?.name ?? null}
        onSelect={(name) => {
          setSelected(name);
          setRoom("provider");
        }}
        onPeople={() => setRoom("people")}
        peopleOpen={peopleOpen}
        onLinks={() => setRoom("links")}
        linksOpen={linksOpen}
        links={links.data ?? []}
        onAdd={() => setDialogOpen(true)}
        onTryDemo={() => demo.mutate()}
        onMigrate={() => setRoom("migrate")}
        onOfflineData={() => setOfflineData(true)}
        demoRunning={demo.isPending}
        demoProgress={demoProgress}
        demoError={demo.isError ? toCommandError(demo.error) : null}
      />
      <Failsafe resetKeys={[room, current?.name]}>
        {peopleOpen ? (
          <PeopleView providers={list} onClose={() => setRoom("provider")} workOffline={workOffline} />
        ) : linksOpen ? (
          <LinksView providers={list} onClose={() => setRoom("provider")} workOffline={workOffline} />
        ) : migrating ? (
          <MigrationView providers={list} onClose={() => setRoom("provider")} workOffline={workOffline} />
        ) : (
          <MainPanel
            provider={current}
            reachability={current ? (reach[current.name] ?? { state: "unknown" }) : { state: "unknown" }}
            onReachability={(name, r) => setReach((m) => ({ ...m, [name]: r }))}
            onRemoved={async () => {
              await queryClient.invalidateQueries({ queryKey: queryKeys.providers() });
            }}
            onSynced={async () => {
              await queryClient.invalidateQueries({ queryKey: queryKeys.providers() });
            }}
            onAdd={() => setDialogOpen(true)}
            workOffline={workOffline}
            onWorkOffline={setWorkOffline}
          />
        )}
      </Failsafe>
      <StatusBar
        info={info.data ?? null}
        provider={current}
        workOffline={workOffline}
        reachability={current ? (reach[current.name] ?? { state: "unknown" }) : { state: "unknown" }}
      />
      {info.data && info.data.crashReports.length > 0 && <CrashNotice reports={info.data.crashReports} />}
      {offlineData && <OfflineDataDialog providers={list} onClose={() => setOfflineData(false)} />}
      {dialogOpen && (
        <AddProviderDialog
          onClose={() => setDialogOpen(false)}
          onSaved={async (p) => {
            setDialogOpen(false);
            await queryClient.invalidateQueries({ queryKey: queryKeys.providers() });
            setSelected(p.name);
          }}
        />
      )}
    </div>
  );
}
