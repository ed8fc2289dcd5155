#!/usr/bin/env bash
# Wake a stack that sleeps outside working hours (components/off_hours.py), in the morning's order:
# the database first, then the API and the cron worker at their daytime task ranges, then, once
# the heartbeat answers, the alarms' actions. It stays awake until the next scheduled sleep. A
# stack that never sleeps (no `offHours` output) is left as it is. Needs `pulumi login` and the
# stack's deploy role. Before a deployment (`--before-deploy`) it returns once the tasks are asked
# for: the deployment waits for its own rollout and heartbeat.
#
#   .github/scripts/wake.sh <stack> [--before-deploy]
set -euo pipefail

stack=${1:?usage: wake.sh <stack> [--before-deploy]}
before_deploy=${2:-}
outputs=$(pulumi stack output --stack "$stack" --json)
value() { jq --exit-status --raw-output "$1" <<< "$outputs"; }

if ! value '.offHours' > /dev/null; then
  echo "$stack never sleeps: nothing to wake"
  exit 0
fi
minutes=$(value '.offHours.wakeMinutes')
echo "::notice::waking $stack: expect it to answer in about $minutes minutes, by $(date -u -d "+$minutes minutes" +%H:%M) UTC"

# An RDS instance the schedules stopped; an Aurora cluster resumes by itself on a connection.
database=$(jq --raw-output '.offHours.stoppedDatabase // empty' <<< "$outputs")
if [ -n "$database" ]; then
  scripts/start-database.sh "$database"
fi

# The tasks only once the database answers, at the ranges the morning's scheduled actions set.
scale() {
  aws application-autoscaling register-scalable-target --service-namespace ecs \
    --scalable-dimension ecs:service:DesiredCount --resource-id "$1" --min-capacity "$2" --max-capacity "$3"
}
scale "$(value '.offHours.apiScalableTarget')" "$(value '.offHours.apiTasks[0] | floor')" \
  "$(value '.offHours.apiTasks[1] | floor')"
scale "$(value '.offHours.cronScalableTarget')" 1 1
if [ "$before_deploy" != --before-deploy ]; then
  echo "waiting for the API and the cron worker"
  aws ecs wait services-stable --cluster "$(value '.clusterName')" \
    --services "$(value '.apiServiceName')" "$(value '.cronServiceName')"
  .github/scripts/wait-healthy.sh "$(value '.heartbeatUrl')" 600
fi

mapfile -t alarms < <(value '.offHours.alarmNames[]')
aws cloudwatch enable-alarm-actions --alarm-names "${alarms[@]}"
# As the morning's schedules do (components/off_hours.py): a health alarm that went into ALARM
# while paused would stay silent; set to OK, one still breaching returns to ALARM and notifies.
reason="Off-hours: alarm actions resumed; evaluated again so that a breach while paused notifies"
for alarm in $(value '.offHours.recheckAlarmNames[]'); do
  aws cloudwatch set-alarm-state --alarm-name "$alarm" --state-value OK --state-reason "$reason"
done
echo "$stack is awake until its next scheduled sleep; its alarms notify again"
