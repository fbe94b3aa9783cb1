import type { PrismaClient } from '../generated/prisma/client.js';
import type { CheckedEscalationPolicy } from '../domain/oncall-input.js';
import type { UserError } from '../domain/validation.js';
import { isUuid } from '../domain/ids.js';
import { inTransaction, reject, Rejection, type Actor } from './transaction.js';
import { missingUsers } from './schedules.js';

export function createEscalationPolicy(prisma: PrismaClient, actor: Actor, policy: CheckedEscalationPolicy) {
  return inTransaction(prisma, async (tx) => {
    const { orgId } = actor;
    const targets = policy.rules.flatMap((rule, r) =>
      rule.targets.map((target, t) => ({ ...target, path: ['rules', String(r), 'targets', String(t)] })),
    );
    const scheduleIds = [...new Set(targets.flatMap((target) => (isUuid(target.scheduleId) ? [target.scheduleId] : [])))];
    const schedules = new Set(
      scheduleIds.length === 0
        ? []
        : (await tx.schedule.findMany({ where: { orgId, id: { in: scheduleIds } }, select: { id: true } })).map((row) => row.id),
    );
    const errors: UserError[] = [
      ...targets
        .filter((target) => target.scheduleId !== null && !schedules.has(target.scheduleId))
        .map((target) => ({ code: 'NOT_FOUND' as const, field: [...target.path, 'scheduleId'], message: 'No schedule with this id' })),
      ...(await missingUsers(
        tx,
        orgId,
        targets.flatMap((target) => (target.userId === null ? [] : [{ id: target.userId, field: [...target.path, 'userId'] }])),
      )),
    ];
    if (errors.length > 0) throw new Rejection(errors);
    const created = await tx.escalationPolicy.create({
      data: {
        orgId,
        name: policy.name,
        repeatCount: policy.repeatCount,
        rules: {
          create: policy.rules.map((rule, position) => ({
            position,
            delayMinutes: rule.delayMinutes,
            targets: { create: rule.targets.map((target, index) => ({ ...target, position: index })) },
          })),
        },
      },
      select: { id: true },
    });
    return { escalationPolicyId: created.id };
  });
}

/** Incidents it was attached to keep going without one. */
export function deleteEscalationPolicy(prisma: PrismaClient, actor: Actor, id: string | null) {
  return inTransaction(prisma, async (tx) => {
    const policy = isUuid(id) ? await tx.escalationPolicy.findFirst({ where: { id, orgId: actor.orgId }, select: { id: true } }) : null;
    if (!policy) reject('NOT_FOUND', ['id'], 'No escalation policy with this id');
    await tx.escalationPolicy.delete({ where: { id: policy.id } });
    return { deletedEscalationPolicyId: policy.id };
  });
}
