/**
 * `kiosk-agent provision` end to end: the real hub process on a real database, the agent CLI as a
 * child process. The happy path (register, store the identity, pull the roster, punch with a PIN
 * from that roster), --force onto another org, and one clear line with exit code 1 for each way
 * it can go wrong. Also revocation: the admin revokes the device, the running agent's next sync gets
 * DEVICE_REVOKED, and it wipes its roster, PIN hashes and templates.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEnrollmentToken,
  createOrg,
  createRealHub,
  getDevice,
  hubRequest,
  revokeDevice,
  runAgentCli,
  startAgentProcess,
  waitFor,
  type HubOrg,
  type RealHub,
} from './helpers/real-hub';

let hub: RealHub;
let org: HubOrg;
let otherOrg: HubOrg;
const scratch = mkdtempSync(join(tmpdir(), 'kiosk-provision-'));
const servers: Server[] = [];
const tokens: Record<'expired' | 'revoked' | 'forForce' | 'revocationKiosk', string> = {
  expired: '',
  revoked: '',
  forForce: '',
  revocationKiosk: '',
};

const dataDir = (name: string) => join(scratch, name);
const provision = (dir: string, hubUrl: string, token: string, ...extra: string[]) =>
  runAgentCli(['provision', '--data-dir', dataDir(dir), '--hub', hubUrl, '--token', token, ...extra]);

async function statusJson(dir: string) {
  const result = await runAgentCli(['status', '--json', '--data-dir', dataDir(dir)]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as {
    provisioning: { status: string; deviceId?: string; orgId?: string; siteId?: string; kid?: string };
    roster: { employees: number; templates: number };
  };
}

/** An HTTP server that is not a hub. */
async function startServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeAll(async () => {
  hub = await createRealHub();
  await hub.start();
  org = await createOrg(hub);
  otherOrg = await createOrg(hub);
  const expired = await createEnrollmentToken(hub, org);
  const revoked = await createEnrollmentToken(hub, org);
  tokens.expired = expired.token;
  tokens.revoked = revoked.token;
  tokens.forForce = (await createEnrollmentToken(hub, otherOrg)).token;
  tokens.revocationKiosk = (await createEnrollmentToken(hub, org)).token;
  const revokedAnswer = await hubRequest(
    hub,
    'POST',
    `/api/orgs/${org.orgId}/enrollment-tokens/${revoked.tokenId}/revoke`,
    { token: org.accessToken },
  );
  expect(revokedAnswer.status).toBe(200);
  // Tokens live at least an hour, and the hub runs on the real clock: age one in its database.
  await hub.stop();
  await hub.sql(`update enrollment_tokens set expires_at = now() - interval '1 minute' where id = $1`, [
    expired.tokenId,
  ]);
  await hub.start();
}, 240_000);

afterAll(async () => {
  for (const server of servers) server.close();
  await hub?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('kiosk-agent provision against the real hub', () => {
  it('registers, stores the identity, pulls the roster; status shows it; a PIN punch from that roster works', async () => {
    const { token } = await createEnrollmentToken(hub, org);
    const result = await provision('happy', hub.url, token, '--name', 'Front door kiosk');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Provisioned "Front door kiosk" with ${hub.url}`);
    expect(result.stdout).toContain(`org:     ${org.orgId}`);
    expect(result.stdout).toContain(`site:    ${org.siteId}`);
    expect(result.stdout).toContain('roster:  2 employees, 0 face templates');

    const status = await statusJson('happy');
    expect(status.provisioning).toMatchObject({
      status: 'provisioned',
      orgId: org.orgId,
      siteId: org.siteId,
    });
    expect(status.roster.employees).toBe(2);
    const device = await getDevice(hub, org, status.provisioning.deviceId!);
    expect(device).toMatchObject({
      name: 'Front door kiosk',
      kid: status.provisioning.kid,
      status: 'active',
    });

    const human = await runAgentCli(['status', '--data-dir', dataDir('happy')]);
    expect(human.stdout).toContain(`hub:          ${hub.url}`);
    expect(human.stdout).toContain(
      `device:       ${status.provisioning.deviceId} (key ${status.provisioning.kid})`,
    );
    expect(human.stdout).toContain(`org / site:   ${org.orgId} / ${org.siteId}`);

    const [ada] = org.employees;
    const punch = await runAgentCli([
      'punch',
      '--data-dir',
      dataDir('happy'),
      '--code',
      ada!.code,
      '--pin',
      ada!.pin,
    ]);
    expect(punch.stdout).toMatch(/^Recorded: /);

    // Provisioned already: refused before the token is spent, nothing changes.
    const again = await provision('happy', hub.url, tokens.forForce);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(
      /^error: ALREADY_PROVISIONED: This kiosk is already provisioned as "Front door kiosk" \(device .*\)\. Run again with --force to wipe it and all its local data \(1 punches not yet synced would be lost\)$/,
    );
    expect((await statusJson('happy')).provisioning.deviceId).toBe(status.provisioning.deviceId);

    // --force with the other org's token: the old identity and data are wiped first.
    const forced = await provision('happy', hub.url, tokens.forForce, '--force');
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(
      `Wiped the previous identity (device ${status.provisioning.deviceId}, org ${org.orgId}, hub ${hub.url}) and 1 punches that were never synced.`,
    );
    expect(forced.stdout).toContain(
      `Note: this kiosk now belongs to another organisation (${otherOrg.orgId}).`,
    );
    const after = await statusJson('happy');
    expect(after.provisioning).toMatchObject({
      status: 'provisioned',
      orgId: otherOrg.orgId,
      siteId: otherOrg.siteId,
    });
    expect(after.provisioning.deviceId).not.toBe(status.provisioning.deviceId);
  }, 120_000);

  it('answers each bad token with one line and exit code 1, and leaves the kiosk unprovisioned', async () => {
    const { token: usedUp } = await createEnrollmentToken(hub, org);
    expect((await provision('uses-it', hub.url, usedUp)).code).toBe(0);
    const cases = [
      ['unknown', 'A'.repeat(43), /^error: TOKEN_UNKNOWN: The hub at .* does not know this enrollment token/],
      [
        'expired',
        tokens.expired,
        /^error: TOKEN_EXPIRED: The enrollment token has expired \(hub: Enrollment token expired at .*\)\. Ask an admin for a new enrollment token/,
      ],
      [
        'revoked',
        tokens.revoked,
        /^error: TOKEN_REVOKED: An admin revoked the enrollment token \(hub: Enrollment token revoked\)\. Ask an admin/,
      ],
      [
        'used-up',
        usedUp,
        /^error: TOKEN_USED_UP: Every use of the enrollment token is spent \(hub: Enrollment token already used \(1 of 1\)\)\. Ask an admin/,
      ],
      ['malformed', 'short', /^error: INVALID_TOKEN: That is not an enrollment token/],
    ] as const;
    for (const [dir, token, expected] of cases) {
      const result = await provision(dir, hub.url, token);
      expect({ dir, code: result.code, stdout: result.stdout }).toEqual({ dir, code: 1, stdout: '' });
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(expected);
      expect((await statusJson(dir)).provisioning.status).toBe('not_provisioned');
    }
  }, 120_000);

  it("tells token refusals apart by the hub's problem code, not by its wording", async () => {
    const answering = (status: number, problem: object) =>
      startServer((_request, response) => {
        response
          .writeHead(status, { 'content-type': 'application/problem+json' })
          .end(JSON.stringify({ status, ...problem }));
      });
    const reworded = await answering(401, { code: 'ENROLLMENT_TOKEN_EXPIRED', detail: 'Token abgelaufen' });
    const usedUp = await answering(409, { code: 'ENROLLMENT_TOKEN_USED_UP' });
    // A hub from before the codes said "expired" only in its text: no longer read as TOKEN_EXPIRED.
    const textOnly = await answering(401, {
      code: 'UNAUTHENTICATED',
      detail: 'Enrollment token expired at 2026-11-01T00:00:00.000Z',
    });
    const cases = [
      [
        reworded,
        /^error: TOKEN_EXPIRED: The enrollment token has expired \(hub: Token abgelaufen\)\. Ask an admin/,
      ],
      [usedUp, /^error: TOKEN_USED_UP: Every use of the enrollment token is spent\. Ask an admin/],
      [
        textOnly,
        /^error: TOKEN_REJECTED: The hub refused the registration \(401 UNAUTHENTICATED: Enrollment token expired at/,
      ],
    ] as const;
    for (const [hubUrl, expected] of cases) {
      const result = await provision('coded-refusal', hubUrl, 'C'.repeat(43));
      expect({ hubUrl, code: result.code }).toEqual({ hubUrl, code: 1 });
      expect(result.stderr.trim()).toMatch(expected);
    }
    expect((await statusJson('coded-refusal')).provisioning.status).toBe('not_provisioned');
  }, 120_000);

  it('answers a wrong, unreachable or non-hub URL with one line and exit code 1', async () => {
    const html = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome</body></html>');
    });
    const notFound = await startServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    });
    const otherJson = await startServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no route"}');
    });
    const closed = await startServer(() => {});
    const closedUrl = closed;
    await new Promise<void>((resolveClose) => servers.pop()!.close(() => resolveClose()));
    const token = 'B'.repeat(43);
    const cases = [
      ['not a url', /^error: INVALID_HUB_URL: "not a url" is not a URL/],
      ['ftp://hub.example', /^error: INVALID_HUB_URL: "ftp:\/\/hub.example" is not an http\(s\) URL/],
      [
        closedUrl,
        /^error: HUB_UNREACHABLE: Cannot reach the hub at .* \(connection refused\)\. Check the address/,
      ],
      [
        'http://no-such-hub.invalid',
        /^error: HUB_UNREACHABLE: Cannot reach the hub at http:\/\/no-such-hub\.invalid \((no such host \(DNS\)|DNS lookup failed)\)/,
      ],
      [
        html,
        /^error: NOT_A_HUB: .* answered 200 text\/html, not the Clockface device API: it is not a Clockface hub/,
      ],
      [notFound, /^error: NOT_A_HUB: .* answered 404 text\/plain, not the Clockface device API/],
      [otherJson, /^error: NOT_A_HUB: .* answered 404 without a Clockface error: it is not a Clockface hub/],
    ] as const;
    for (const [hubUrl, expected] of cases) {
      const result = await provision('bad-url', hubUrl, token);
      expect({ hubUrl, code: result.code }).toEqual({ hubUrl, code: 1 });
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(expected);
    }
    expect((await statusJson('bad-url')).provisioning.status).toBe('not_provisioned');
  }, 120_000);

  it('revocation: the next sync gets DEVICE_REVOKED; the agent wipes roster, PIN hashes and templates and reports not provisioned', async () => {
    expect((await provision('revoked-kiosk', hub.url, tokens.revocationKiosk)).code).toBe(0);
    const before = await statusJson('revoked-kiosk');
    expect(before.roster.employees).toBe(2);
    const frames = mkdtempSync(join(scratch, 'frames-'));
    writeFileSync(join(frames, 'a.jpg'), 'x');

    await revokeDevice(hub, org, before.provisioning.deviceId!);
    const agent = startAgentProcess(dataDir('revoked-kiosk'), frames);
    let output = '';
    agent.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    agent.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolveExit) => agent.once('exit', resolveExit));
    try {
      await waitFor(
        () => /sync stopped: .*DEVICE_REVOKED/.test(output),
        60_000,
        'the agent to see DEVICE_REVOKED',
      );
    } finally {
      agent.kill('SIGTERM');
      await exited;
    }
    expect(output).toMatch(/wiped 0 templates, 2 PIN hashes, 2 employees/);

    const after = await statusJson('revoked-kiosk');
    expect(after.provisioning.status).toBe('revoked');
    expect(after.roster).toEqual({ employees: 0, templates: 0 });
    const human = await runAgentCli(['status', '--data-dir', dataDir('revoked-kiosk')]);
    expect(human.stdout).toMatch(/provisioned: {2}no — not provisioned: the hub revoked device/);
    const punch = await runAgentCli([
      'punch',
      '--data-dir',
      dataDir('revoked-kiosk'),
      '--code',
      org.employees[0]!.code,
      '--pin',
      org.employees[0]!.pin,
    ]);
    expect(punch.code).toBe(1);
  }, 120_000);
});
