/** @module A demo organisation for newcomers (`pnpm hub seed-demo`): people, roles, sites, departments. */
import {
  createDepartment,
  createMembership,
  createOrganization,
  createSite,
  createUser,
  findUserByEmail,
} from '@clockface/db-hub/queries';
import type { HubDeps } from '../deps';
import { hashPassword } from '../security/passwords';
import { recordAudit } from './audit.service';

export const DEMO_OWNER_EMAIL = 'owner@demo.clockface.local';
/** Printed by the CLI; demo data never exists in production (the command refuses there). */
export const DEMO_PASSWORD = 'demo password 2026';

const DEMO_PEOPLE = [
  { email: 'admin@demo.clockface.local', name: 'Dana Admin', role: 'admin' as const },
  { email: 'manager@demo.clockface.local', name: 'Max Manager', role: 'manager' as const },
  { email: 'employee@demo.clockface.local', name: 'Eve Employee', role: 'employee' as const },
];

export async function seedDemo(deps: HubDeps) {
  const organizationName = 'Demo Bakery';
  const base = {
    ownerEmail: DEMO_OWNER_EMAIL,
    password: DEMO_PASSWORD,
    organizationName,
    otherLogins: DEMO_PEOPLE.map((p) => p.email),
  };
  if (await findUserByEmail(deps.db, { email: DEMO_OWNER_EMAIL })) return { ...base, created: false };

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await deps.db.transaction(async (tx) => {
    const owner = await createUser(tx, { email: DEMO_OWNER_EMAIL, name: 'Olivia Owner', passwordHash });
    const org = await createOrganization(tx, {
      name: organizationName,
      timeZone: 'Europe/Berlin',
      locale: 'en',
    });
    await createMembership(tx, { orgId: org.id, userId: owner.id, role: 'owner' });
    for (const person of DEMO_PEOPLE) {
      const user = await createUser(tx, { email: person.email, name: person.name, passwordHash });
      await createMembership(tx, { orgId: org.id, userId: user.id, role: person.role });
    }
    const bakery = await createDepartment(tx, { orgId: org.id, name: 'Bakery', parentId: null, code: 'BAK' });
    await createDepartment(tx, { orgId: org.id, name: 'Ovens', parentId: bakery.id, code: 'OVN' });
    await createDepartment(tx, { orgId: org.id, name: 'Front of house', parentId: null, code: 'FOH' });
    await createDepartment(tx, { orgId: org.id, name: 'Delivery', parentId: null, code: 'DEL' });
    await createSite(tx, {
      orgId: org.id,
      name: 'Main Street',
      timeZone: null,
      address: 'Hauptstraße 1, Berlin',
    });
    await createSite(tx, {
      orgId: org.id,
      name: 'Lisbon kiosk',
      timeZone: 'Europe/Lisbon',
      address: 'Rua Augusta 10, Lisboa',
    });
    await recordAudit(
      tx,
      { actorUserId: null, actorType: 'system', requestId: null, ip: null },
      {
        orgId: org.id,
        action: 'organization.seeded',
        entityType: 'organization',
        entityId: org.id,
      },
    );
  });
  return { ...base, created: true };
}
