#!/usr/bin/env bash
# Start an RDS instance that off-hours schedules have stopped (components/off_hours.py), and wait
# until it accepts connections; an instance that is running already only waits. Needs AWS
# credentials that may describe and start it.
#
#   scripts/start-database.sh <db-instance-identifier>
set -euo pipefail

database=${1:?usage: scripts/start-database.sh <db-instance-identifier>}
poll=${POLL_SECONDS:-15}
status_of() {
  aws rds describe-db-instances --db-instance-identifier "$database" \
    --query 'DBInstances[0].DBInstanceStatus' --output text
}

status=$(status_of)
# Just put to sleep: it can start only once stopped, and the AWS CLI has no waiter for that.
deadline=$((SECONDS + 1800))
while [ "$status" = stopping ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "the database $database is still stopping after 30 minutes" >&2
    exit 1
  fi
  sleep "$poll"
  status=$(status_of)
done
if [ "$status" = stopped ]; then
  if ! refusal=$(aws rds start-db-instance --db-instance-identifier "$database" 2>&1 > /dev/null); then
    # Another run (a review app's database job, the sweeper) may have started it meanwhile.
    status=$(status_of)
    case "$status" in
      starting | available) ;;
      *)
        echo "$refusal" >&2
        exit 1
        ;;
    esac
  fi
fi
echo "waiting for the database $database ($status)"
aws rds wait db-instance-available --db-instance-identifier "$database"
