// docker-compose.yml cannot run here (no Docker engine). It is validated by compose-config
// (deploy/local/compose-config: compose-go, the loader and Compose Specification schema that
// `docker compose config` uses), then checked for what makes it boot: production mode with the
// JWT key from a secret, an LLM service, Prometheus, the Temporal UI, the compiled image.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config';
import { onPath, opsTool, repoRoot, skipUnless } from './support/ops-tools';

const composeConfig = opsTool('COMPOSE_CONFIG_PATH');
const promtool = onPath('promtool');
const composeFile = path.join(repoRoot, 'docker-compose.yml');

function load(file: string, env: Record<string, string> = {}) {
  const result = spawnSync(composeConfig!, [file], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  return { code: result.status, stderr: result.stderr, project: result.status === 0 ? JSON.parse(result.stdout) : undefined };
}

describe('docker-compose.yml', { skip: skipUnless({ 'compose-config': composeConfig }) }, () => {
  const { project, code, stderr } = composeConfig
    ? load(composeFile, { OPENAI_API_KEY: 'sk-test' })
    : { project: undefined, code: 0, stderr: '' };

  it('is a valid Compose file (compose-go: schema, interpolation, merge keys)', () => {
    assert.equal(code, 0, stderr);
    assert.deepEqual(Object.keys(project.services).sort(), [
      'api',
      'elasticsearch',
      'embeddings',
      'llm',
      'neo4j',
      'postgres',
      'prometheus',
      'temporal',
      'temporal-ui',
      'worker',
    ]);
  });

  it('rejects what Docker Compose would reject', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'magicai-compose-'));
    const bad = path.join(dir, 'docker-compose.yml');
    writeFileSync(bad, readFileSync(composeFile, 'utf8').replace('stop_grace_period: 60s', 'stop_grace_perod: 60s'));
    const result = load(bad);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /stop_grace_perod/);
  });

  it('runs the API and worker in production mode from the compiled image, with the JWT key from a secret', () => {
    for (const app of ['api', 'worker']) {
      const service = project.services[app];
      assert.equal(service.build.dockerfile, 'deploy/Dockerfile');
      assert.equal(service.read_only, true);
      assert.match(service.command.join(' '), new RegExp(`^dist/${app}/main\\.js$`));
      assert.deepEqual(
        service.secrets.map((s: { source: string }) => s.source),
        ['jwt_public_key'],
      );
      const env = service.environment as Record<string, string>;
      assert.equal(env.NODE_ENV, 'production');
      assert.equal(env.JWT_PUBLIC_KEY, '/run/secrets/jwt_public_key');
      assert.equal(env.OPENAI_API_KEY, 'sk-test', 'provider key from the environment');
      const config = loadConfig(env); // production rules pass: the key is set
      assert.equal(config.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.match(config.DATABASE_URL, /@postgres:5432\//);
      assert.equal(config.OPENAI_BASE_URL, 'http://llm:8080/v1');
      assert.equal(config.EMBEDDINGS_BASE_URL, 'http://embeddings:8080/v1');
      for (const store of ['temporal', 'postgres', 'elasticsearch', 'neo4j', 'llm', 'embeddings']) {
        assert.equal(service.depends_on[store].condition, 'service_healthy', `${app} waits for ${store}`);
      }
    }
    assert.ok(project.secrets.jwt_public_key.file);
    const dockerfile = readFileSync(path.join(repoRoot, 'deploy/Dockerfile'), 'utf8');
    assert.doesNotMatch(dockerfile.split(/^FROM .* AS deps$/m)[1] ?? '', /tsx/, 'the runtime stages never run tsx');
    assert.match(dockerfile, /npm install --omit=dev/);
    assert.match(dockerfile, /COPY --from=build \/app\/dist/);
  });

  it("has the LLM servers (llama.cpp), the Temporal UI and Prometheus with the project's rules", () => {
    assert.match(project.services.llm.image, /^ghcr\.io\/ggml-org\/llama\.cpp:server/);
    assert.ok(project.services.embeddings.command.includes('--embeddings'));
    assert.match(project.services['temporal-ui'].image, /^temporalio\/ui:/);
    assert.equal(project.services['temporal-ui'].environment.TEMPORAL_ADDRESS, 'temporal:7233');
    const mounts = project.services.prometheus.volumes.map((v: { source: string; target: string }) => [
      path.relative(repoRoot, v.source),
      v.target,
    ]);
    assert.deepEqual(mounts.slice(0, 2), [
      ['deploy/prometheus/prometheus.compose.yml', '/etc/prometheus/prometheus.yml'],
      ['deploy/prometheus/rules.yml', '/etc/prometheus/rules.yml'],
    ]);
  });

  it('binds published ports to loopback only', () => {
    for (const [name, service] of Object.entries<any>(project.services)) {
      for (const port of service.ports ?? []) assert.equal(port.host_ip, '127.0.0.1', `${name}: ${JSON.stringify(port)}`);
    }
  });

  it(
    "Prometheus's compose config is valid and scrapes the API and the worker (promtool check config)",
    { skip: skipUnless({ promtool }) },
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'magicai-prom-compose-'));
      const config = readFileSync(path.join(repoRoot, 'deploy/prometheus/prometheus.compose.yml'), 'utf8');
      assert.match(config, /targets: \["api:8080"\]/);
      assert.match(config, /targets: \["worker:9464"\]/);
      writeFileSync(
        path.join(dir, 'prometheus.yml'),
        config.replace('/etc/prometheus/rules.yml', path.join(repoRoot, 'deploy/prometheus/rules.yml')),
      );
      const result = spawnSync(promtool!, ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    },
  );
});
