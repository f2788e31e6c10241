#!/usr/bin/env python3
"""Writes src/local/model/api-models.json: the AWS API model of every operation the local stack serves.

The source is botocore's service models (the JSON models the AWS SDKs and the aws CLI are generated
from). Only what validation and response checks need is kept: each served operation's HTTP binding,
input, output and errors, and the shapes they reach, without documentation. The extract is committed,
so neither CI nor users need Python at run time; run this again after upgrading botocore:

    python3 scripts/generate-api-models.py && npm run format
"""
import json
import os
import sys

import botocore
from botocore.loaders import Loader

# The served operations, per botocore service name.
SERVED = {
    'iot': [
        'StartAuditMitigationActionsTask',
        'DescribeAuditMitigationActionsTask',
        'ListAuditMitigationActionsTasks',
        'CancelAuditMitigationActionsTask',
        'ListAuditMitigationActionsExecutions',
        'ListAuditFindings',
        'DescribeAuditFinding',
        'DescribeAuditTask',
        'ListAuditTasks',
        'StartOnDemandAuditTask',
        'ListMitigationActions',
        'DescribeMitigationAction',
        'CreateMitigationAction',
        'DescribeAccountAuditConfiguration',
        'ListThingsInThingGroup',
        'ListThingPrincipals',
        'ListPrincipalThings',
    ],
    'stepfunctions': [
        'StartExecution',
        'DescribeExecution',
        'ListExecutions',
        'StopExecution',
        'GetExecutionHistory',
        'SendTaskSuccess',
        'SendTaskFailure',
        'SendTaskHeartbeat',
    ],
    'events': [
        'PutEvents',
        'StartReplay',
        'DescribeReplay',
        'DisableRule',
        'EnableRule',
        'ListRules',
        'ListArchives',
        'DescribeArchive',
    ],
    'ssm': ['GetParameter', 'PutParameter'],
    'dynamodb': ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'Query'],
    'sts': ['GetCallerIdentity'],
    's3': ['PutObject', 'GetObject', 'HeadObject', 'ListObjectsV2'],
    'secretsmanager': ['GetSecretValue'],
}

SHAPE_KEYS = (
    'type', 'required', 'min', 'max', 'pattern', 'enum', 'timestampFormat', 'exception', 'error',
)
MEMBER_KEYS = ('shape', 'location', 'locationName', 'jsonvalue', 'idempotencyToken')
METADATA_KEYS = (
    'apiVersion', 'protocol', 'jsonVersion', 'targetPrefix', 'serviceId', 'endpointPrefix', 'xmlNamespace',
)


def strip_shape(shape):
    out = {key: shape[key] for key in SHAPE_KEYS if key in shape}
    if 'members' in shape:
        out['members'] = {
            name: {key: member[key] for key in MEMBER_KEYS if key in member}
            for name, member in shape['members'].items()
        }
    for key in ('member', 'key', 'value'):
        if key in shape:
            out[key] = {'shape': shape[key]['shape']}
    return out


def reachable(shapes, roots):
    seen = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        for member in shape.get('members', {}).values():
            stack.append(member['shape'])
        for key in ('member', 'key', 'value'):
            if key in shape:
                stack.append(shape[key]['shape'])
    return seen


def extract(loader, service, operations):
    model = loader.load_service_model(service, 'service-2')
    shapes = model['shapes']
    ops = {}
    roots = []
    for name in operations:
        op = model['operations'][name]
        entry = {'http': {k: op['http'][k] for k in ('method', 'requestUri') if k in op['http']}}
        for key in ('input', 'output'):
            if key in op:
                entry[key] = op[key]['shape']
                roots.append(op[key]['shape'])
        entry['errors'] = [error['shape'] for error in op.get('errors', [])]
        roots.extend(entry['errors'])
        ops[name] = entry
    return {
        'metadata': {key: model['metadata'][key] for key in METADATA_KEYS if key in model['metadata']},
        'operations': ops,
        'shapes': {name: strip_shape(shapes[name]) for name in sorted(reachable(shapes, roots))},
    }


def main():
    loader = Loader()
    document = {
        'source': f'botocore {botocore.__version__} service-2 models',
        'generator': 'scripts/generate-api-models.py',
        'services': {service: extract(loader, service, ops) for service, ops in SERVED.items()},
    }
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, 'src', 'local', 'model', 'api-models.json')
    with open(path, 'w', encoding='utf-8') as out:
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write('\n')
    count = sum(len(ops) for ops in SERVED.values())
    print(f'{path}: {count} operations from botocore {botocore.__version__}', file=sys.stderr)


if __name__ == '__main__':
    main()
