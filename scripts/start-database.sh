#!/usr/bin/env bash
# Start an RDS instance that off-hours schedules have stopped (components/off_hours.py), and wait
# until it accepts connections; an instance that is running already only waits. Needs AWS
# credentials that may describe and start it.
#
#   scripts/start-database.sh <db-instance-identifier>
set -euo pipefail

database=${1:?usage: scripts/start-database.sh <db-instance-identifier>}
status=$(aws rds describe-db-instances --db-instance-identifier "$database" \
  --query 'DBInstances[0].DBInstanceStatus' --output text)
if [ "$status" = stopping ]; then  # just put to sleep: it can start only once stopped
  aws rds wait db-instance-stopped --db-instance-identifier "$database"
  status=stopped
fi
if [ "$status" = stopped ]; then
  aws rds start-db-instance --db-instance-identifier "$database" > /dev/null
fi
echo "waiting for the database $database ($status)"
aws rds wait db-instance-available --db-instance-identifier "$database"
