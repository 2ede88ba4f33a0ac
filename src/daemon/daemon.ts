import { mkdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON_SOCKET } from '../api/socket.js';
import { configChecker, loadConfig } from './config-checker.js';
import { LocalDriver } from '../drivers/local/local-driver.js';
import { DriverRegistry } from '../drivers/registry.js';
import { EventBus } from '../observability/event-bus.js';
import { ThresholdJudge } from '../engine/judge.js';
import { DeployLock } from '../engine/lock.js';
import { volumesRoot } from '../engine/volumes.js';
import { storedListen, writeListen } from '../engine/routing.js';
import { HostTable } from './host-table.js';
import { DeployConfigs } from './deploy-configs.js';
import { Projects, projectNameOfFile } from './projects.js';
import type { UsageSample } from '../observability/collector.js';
import type { InstanceFilter } from '../engine/store.js';
import type { ProxyStatus } from '../proxy/protocol.js';
import type { EngineDeps } from '../engine/deps.js';
import { freePort } from '../lib/free-port.js';
import { baseEnv } from '../lib/base-env.js';
import { probeCommand, probeHttp, probeTcp } from '../lib/health-probe.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { runBuild } from '../release/run-build.js';
import { snapshotSource } from '../release/snapshot-source.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { crashPointFrom } from './crash-point.js';
import { refuseLostState, releasesOnDisk } from './state-guard.js';
import { ControlServer } from './control-server.js';
import { createHandlers } from './handlers.js';
import { ProxySupervisor } from './proxy-supervisor.js';
import { startAdmin } from './admin-wiring.js';
import { settingsOf, settingsOfConfig, type ReloadResult } from './daemon-settings.js';
import { ReloadableParts } from './reloadable-parts.js';
import { startAlerts } from './alert-wiring.js';
import { withApiLog } from './api-log.js';
import { createLogger, silentLogger, type Logger } from '../lib/logger.js';
import type { AlertService } from '../observability/alerting/alert-service.js';
import { SlipwayError } from '../errors.js';
import { isPidAlive } from '../lib/pid-alive.js';
import { DaemonSecrets } from '../secrets/daemon-secrets.js';
import { InjectingDriver, secretRunDir } from '../secrets/injecting-driver.js';
import { withRouteSecrets } from '../secrets/route-secrets.js';
import { DaemonBackups } from './backup-wiring.js';
import { startBackupSchedule } from './backup-scheduler.js';
import { BackupMonitor } from './backup-monitor.js';
import type { Config } from '../config/model.js';
import type { CertManager } from '../certs/cert-manager.js';
import { startContainers, type ContainerWiring } from './container-wiring.js';
import { DashboardWiring } from './dashboard-wiring.js';
import { configureCerts, startCerts, withCertificates, type CertWiring } from './cert-wiring.js';

export interface DaemonOptions {
  readonly stateDir: string;
  readonly configFile: string | undefined;
  readonly env: string | undefined;
  readonly environ: NodeJS.ProcessEnv;
}

/** The control plane: composition root that wires the concrete subsystems together. */
export class Daemon {
  readonly startedAt = new Date();
  readonly options: DaemonOptions;
  #store: SqliteStore | undefined;
  #driver: LocalDriver | undefined;
  #containers: ContainerWiring | undefined;
  #projects: Projects | undefined;
  #host: HostTable | undefined;
  #proxy: ProxySupervisor | undefined;
  #server: ControlServer | undefined;
  /** Alert evaluator, admin listener and backup schedule: what `slipway daemon reload` applies again. */
  #parts: ReloadableParts | undefined;
  #stopping: Promise<void> | undefined;
  #secrets: DaemonSecrets | undefined;
  #backups: DaemonBackups | undefined;
  #certs: CertManager | undefined;
  #dashboard: DashboardWiring | undefined;
  #usage: ((project: string) => Promise<UsageSample[]>) | undefined;
  /** Set once this daemon listens on the socket: from then on the socket and the pid file are its own. */
  #ownsSocket = false;
  /** Deploy progress, instance changes, table swaps, proxy restarts, backup outcomes and alerts sent, for the CLI's follow mode (certificate events have their type, not yet a publisher). */
  readonly events = new EventBus();
  /** The daemon's own log (JSON lines on stdout, which `slipway daemon --detach` sends to logs/daemon.log). */
  #log: Logger = silentLogger;
  onStopRequested: (keepApps: boolean) => void = () => undefined;
  /** Problems that did not stop the daemon (printed in its ready line). */
  readonly warnings: string[] = [];

  constructor(options: DaemonOptions) {
    this.options = options;
  }

  /** "host:port" of the admin listener (metrics, health), when the config has `admin:`. */
  get adminAddress(): string | undefined {
    return this.#parts?.adminAddress;
  }

  /** The alert evaluator, when the config has `alerts:`. */
  get alerts(): AlertService | undefined {
    return this.#parts?.alerts;
  }

  /** The web dashboard's token and traffic history (its listener runs when the config has `dashboard:`). */
  get dashboard(): DashboardWiring {
    if (!this.#dashboard) throw new SlipwayError('SLW_INTERNAL', 'The daemon has not started.');
    return this.#dashboard;
  }

  /** CPU time and memory of a project's live instances, where their driver reports them. */
  usage(project: string): Promise<UsageSample[]> {
    if (!this.#usage) throw new SlipwayError('SLW_INTERNAL', 'The daemon has not started.');
    return this.#usage(project);
  }

  /** Backups of any config (`slipway backup …`), the pre-deploy hook and rollback --with-data. */
  get backups(): DaemonBackups {
    if (!this.#backups) throw new Error('the daemon has not started');
    return this.#backups;
  }

  /** After a deploy in which every service succeeded: previous secret versions can go. */
  async secretsDeployed(config: Config): Promise<void> {
    if (!this.#secrets) return;
    await this.#secrets.deployed(config);
  }

  /** Certificates of the routes with TLS on. */
  get certs(): CertManager {
    if (!this.#certs) throw new SlipwayError('SLW_INTERNAL', 'The cert manager is not started.');
    return this.#certs;
  }

  get socketPath(): string {
    return join(this.options.stateDir, DAEMON_SOCKET);
  }

  async start(): Promise<void> {
    const { stateDir } = this.options;
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await this.#refuseSecondDaemon();
    // Secrets: one redactor for the journal, the API and log tails; values injected at instance start.
    const secrets = new DaemonSecrets({ stateDir, environ: this.options.environ });
    this.#secrets = secrets;
    this.warnings.push(...(await secrets.loadKnown()));
    const redact = (json: string): string => secrets.redactor.redact(json);
    const log = (this.#log = createLogger({ component: 'daemon', destination: 1, redact }));
    const backupMonitor = new BackupMonitor({ publish: (e) => this.events.publish(e) });
    // A project's volumes (volume backup sources): under its name, or where state of before projects keeps them.
    const volumesOf = (project: string): string => {
      const names = this.#projects?.names() ?? [];
      return volumesRoot({ stateDir, project: !names.includes(project) && names.includes('') ? '' : project });
    };
    const backups = new DaemonBackups({ stateDir, secrets, monitor: backupMonitor, volumesRoot: volumesOf });
    this.#backups = backups;
    this.#driver = new LocalDriver({ stateDir, logDir: join(stateDir, 'logs', 'instances') });
    this.#store = await this.#openState(this.#driver, redact);
    const driver = new InjectingDriver(this.#driver, { runDir: secretRunDir(stateDir), source: secrets, redactor: secrets.redactor });
    this.#proxy = new ProxySupervisor(stateDir);
    const certWiring: CertWiring = { ...this.options, secrets, publish: async (reason) => this.#publishAll(reason), warn: (m) => this.warnings.push(m), log: (line) => log.child({ component: 'certs' }).info(line) };
    const certs = (this.#certs = await startCerts(certWiring));
    const hostStore = this.#store;
    const containers = (this.#containers = startContainers({ stateDir, environ: this.options.environ, source: secrets, redactor: secrets.redactor }));
    const drivers = new DriverRegistry([driver, containers.driver]);
    const judge = new ThresholdJudge();
    const shared: Omit<EngineDeps, 'store' | 'dataPlane' | 'lock' | 'loadConfig'> = {
      drivers,
      images: containers.images,
      events: this.events,
      judge,
      builder: {
        snapshot: (o) => snapshotSource(o),
        build: async (o) => void (await runBuild(o)),
      },
      probe: (o) =>
        o.kind === 'tcp'
          ? probeTcp(o)
          : o.kind === 'command'
            ? probeCommand({ argv: o.command ?? [], cwd: o.cwd, env: o.env ?? {}, timeoutMs: o.timeoutMs })
            : probeHttp(o),
      allocatePort: () => freePort(),
      stateDir,
      baseEnv: baseEnv(this.options.environ),
      crashPoint: crashPointFrom(this.options.environ),
      now: () => Date.now(),
      keepReleases: 5,
      beforeBuild: (o) => backups.beforeBuild(o.config, o.service, o.release),
      runReleaseHook: async (o) => void (await driver.withSecrets(o, (env) => runBuild({ ...o, env }))),
    };
    await this.#seedListen();
    const proxyStatus = await this.#proxy.ensure(storedListen({ store: hostStore }));
    const host = (this.#host = new HostTable(withCertificates(withRouteSecrets(this.#proxy, secrets, secrets.redactor), certs), proxyStatus.tableVersion));
    const configs: DeployConfigs = new DeployConfigs({
      stateDir,
      environ: this.options.environ,
      prepare: (config) => secrets.prepare(config),
      admit: (project, config) => projects.admit(project, config),
      configureCerts: (config) => certs.configure(config),
      own: { file: this.options.configFile, env: this.options.env },
      reload: (read) => this.reload(read),
      log,
    });
    const projects: Projects = new Projects({
      store: hostStore,
      host,
      now: () => Date.now(),
      proxyVersion: () => proxyStatus.tableVersion,
      nameOf: (scope) => configs.nameOf(scope),
      depsOf: (project, store, dataPlane) => ({
        ...shared,
        store,
        dataPlane,
        lock: new DeployLock(store, { ttlMs: 30_000, heartbeatMs: 5_000 }),
        ...(project === '' ? {} : { project }),
        otherProjectsInstances: () => projects.othersLive(project),
        loadConfig: configs.loaderFor(project),
      }),
    });
    this.#projects = projects;
    await projects.boot();
    driver.sweep(hostStore.liveInstanceIdsOfAllProjects());
    const proxyLog = log.child({ component: 'proxy-supervisor' });
    this.#proxy.on('proxy-restarted', (e) => {
      proxyLog.warn('proxy-restarted: the proxy stopped answering and a new one serves', e);
      this.events.publish({ kind: 'proxy', what: 'restarted', detail: `pid ${e.pid} after ${e.downMs} ms without an answer (restart ${e.restarts})` });
    });
    this.#proxy.on('proxy-restart-failed', (e) => proxyLog.warn('proxy-restart-failed', e));
    this.#proxy.onRestart = () => this.#publishAll('proxy restarted');
    this.#proxy.watch();
    await configureCerts(certs, certWiring);
    // Metrics and alert rules are the daemon's own project's: the one whose config started it.
    const ownName = this.options.configFile && existsSync(this.options.configFile) ? await projectNameOfFile(this.options.configFile) : '';
    const own = (): SqliteStore => hostStore.forProject(projects.names().includes(ownName) || !projects.names().includes('') ? ownName : '');
    const ownStore = {
      services: () => own().services(),
      release: (service: string, id: string) => own().release(service, id),
      instances: (filter?: InstanceFilter) => own().instances(filter),
      deployments: (filter?: { service?: string; limit?: number; open?: boolean }) => own().deployments(filter),
      probeWrite: () => hostStore.probeWrite(),
    };
    const ownStatus = (): Promise<ProxyStatus> => host.forProject(own().project).status();
    const usageOf = async (store: SqliteStore): Promise<UsageSample[]> => {
      const live = store.instances({ live: true });
      const read = await Promise.all(live.map(async (i) => ({ i, u: i.handle ? await drivers.of(i.handle).usage?.(i.handle).catch(() => undefined) : undefined })));
      return read.flatMap(({ i, u }) => (u ? [{ service: i.service, release: i.releaseId, instance: i.id, ...u }] : []));
    };
    const usage = (): Promise<UsageSample[]> => usageOf(own());
    this.#usage = (project) => usageOf(hostStore.forProject(project));
    // What the alert rules and the admin listener's metrics read: the daemon's own project.
    const observed = {
      stateDir,
      configFile: this.options.configFile,
      env: this.options.env,
      store: ownStore,
      proxyStatus: ownStatus,
      certificates: () => certs.expiries(),
      backups: () => backupMonitor.snapshot(),
      proxyRestarts: () => this.#proxy?.restarts ?? 0,
      journalWriteFailures: () => projects.engines().reduce((n, e) => n + e.deps.lock.writeFailures, 0),
      usage,
    };
    this.#parts = new ReloadableParts({
      alerts: (warn) => startAlerts({
        ...observed,
        warn,
        log: log.child({ component: 'alerts' }),
        addSecret: (value) => secrets.redactor.addValue('ALERTS_NOTIFY', value),
        secrets: { source: secrets, redactor: secrets.redactor },
        events: (e) => this.events.publish(e),
      }),
      admin: (alerts, warn) => startAdmin({
        ...observed,
        warn,
        ...(alerts ? { alerting: () => ({ firing: alerts.firing(), notifiers: alerts.notifierHealth() }) } : {}),
        projects: () => projects.names().map((project) => ({ project, store: hostStore.forProject(project) })),
      }),
      backupSchedule: (warn) => startBackupSchedule(backups, { configFile: this.options.configFile, env: this.options.env }, this.#log.child({ component: 'backups' }), warn),
      settings: () => settingsOfConfig(this.options.configFile, this.options.env),
    });
    // Bound before the control socket answers: a busy admin port fails the start the CLI waits for.
    await this.#parts.start((message) => this.warnings.push(message));
    const proxySupervisor = this.#proxy;
    this.#dashboard = new DashboardWiring({
      stateDir,
      configFile: this.options.configFile,
      env: this.options.env,
      socketPath: this.socketPath,
      proxyStatus: () => proxySupervisor.status(),
      warn: (message) => this.warnings.push(message),
    });
    const handlers = withApiLog(createHandlers(this, projects, this.#proxy), {
      log: log.child({ component: 'api' }),
      openDeployment: (service) => projects.engines().flatMap((e) => e.openDeployments(service))[0]?.id,
    });
    this.#server = new ControlServer(handlers, { redact });
    // The pid file before the socket: whoever reaches the socket finds this daemon's pid on file
    // (not the last one's). From here on the socket path and pid file are this daemon's to remove.
    this.#ownsSocket = true;
    await writeFileAtomic(join(stateDir, 'daemon.pid'), `${process.pid}\n`);
    await this.#server.listen(this.socketPath);
    // After the control socket: the dashboard reads everything through it.
    await this.#dashboard.start({ pid: process.pid, startedAt: this.startedAt.toISOString() });
    const dashboard = this.#dashboard.address;
    log.info('daemon ready', { socket: this.socketPath, ...(this.adminAddress ? { admin: this.adminAddress } : {}), ...(dashboard ? { dashboard } : {}), warnings: this.warnings });
  }

  /**
   * Applies the daemon-level sections of its config that changed since they were last applied
   * (admin listener, alert rules and notifiers, backup schedule), without a restart: each
   * changed part is stopped and started again from the file. A config that does not load is
   * its coded error, and nothing changes.
   */
  reload(read?: Config): Promise<ReloadResult> {
    if (!this.#parts) throw new SlipwayError('SLW_INTERNAL', 'reload before the daemon started.');
    return this.#parts.reload(read && settingsOf(read));
  }

  /** The state database, refused when it is missing or empty while apps of this state dir exist. */
  async #openState(driver: LocalDriver, redact: (json: string) => string): Promise<SqliteStore> {
    const stateFile = join(this.options.stateDir, 'state.db');
    const evidence = async (known: number | undefined) => {
      const onDisk = releasesOnDisk(this.options.stateDir);
      const liveInstances = known ? 0 : (await driver.findStrays(new Set())).length;
      return { stateFile, knownReleases: known, onDisk, liveInstances };
    };
    if (!existsSync(stateFile)) refuseLostState(await evidence(undefined));
    const store = new SqliteStore(stateFile, { redact });
    try {
      refuseLostState(await evidence(store.releaseCount()));
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  /** The proxy's listen address comes from the config the first time, from the state after. */
  async #seedListen(): Promise<void> {
    const store = this.#store;
    if (!store || storedListen({ store }) || !this.options.configFile || !existsSync(this.options.configFile)) return;
    const config = await loadConfig({ file: this.options.configFile, ...(this.options.env ? { env: this.options.env } : {}) });
    writeListen({ store }, config.proxy);
  }

  /** Every project's table again; a host without projects pushes its listen-only table (an ACME challenge needs the port). */
  async #publishAll(reason: string): Promise<void> {
    const engines = this.#projects?.engines() ?? [];
    if (engines.length === 0) await this.#host?.republish();
    for (const engine of engines) await engine.publish(reason);
  }

  async #refuseSecondDaemon(): Promise<void> {
    const pidFile = join(this.options.stateDir, 'daemon.pid');
    if (!existsSync(this.socketPath)) return;
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    // The control API's client (its JSON Schema contract, ~70 KB of source) loads only when a socket is left over.
    const { ApiClient } = await import('../api/client.js');
    const answering = await new ApiClient(this.socketPath).ping().catch(() => false);
    if (answering || (pid > 0 && pid !== process.pid && isPidAlive(pid))) {
      throw new SlipwayError('SLW_DAEMON_ALREADY_RUNNING', `A slipway daemon (pid ${pid || '?'}) already serves ${this.options.stateDir}.`);
    }
  }

  /** Graceful stop: no new calls, background work settled; apps and proxy stopped unless keepApps. */
  stop(keepApps: boolean): Promise<void> {
    this.#stopping ??= this.#stop(keepApps);
    return this.#stopping;
  }

  async #stop(keepApps: boolean): Promise<void> {
    this.#log.info('daemon stopping', { keepApps });
    await this.#dashboard?.close();
    await this.#server?.close();
    await this.#parts?.close();
    this.#certs?.close();
    this.#proxy?.close();
    // Full stop: the proxy first (stops accepting, finishes what is in flight), then the apps.
    if (!keepApps) await this.#proxy?.shutdown();
    if (!keepApps) await this.#projects?.stopAll();
    await this.#projects?.close();
    await this.#driver?.close();
    await this.#containers?.close();
    await configChecker.close();
    this.#store?.close();
    // Only a daemon that got past the refusal owns the socket and pid file: one refused because
    // another daemon answers (SLW_DAEMON_ALREADY_RUNNING) must leave that daemon's files alone.
    if (!this.#ownsSocket) return;
    await rm(join(this.options.stateDir, 'daemon.pid'), { force: true });
    await rm(this.socketPath, { force: true });
  }
}
