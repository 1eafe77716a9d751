# -*- coding: utf-8 -*-
"""A scratch ECS service of a test (runbook 004's WebSocket service in small): a cluster, a task definition whose
container listens on ``port``, a security group that admits it (or not), and a Fargate service with ``desired``
tasks in the default VPC - removed afterwards, task definition deregistered, security group deleted."""
from __future__ import annotations

import contextlib
import uuid


@contextlib.contextmanager
def ecs_service(client, desired=1, port=8080, admit=True):
    """Yields ``{cluster, service, security_group, port}``. ``client``: the sandbox's (service -> client)."""
    ecs, ec2, tag = client("ecs"), client("ec2"), uuid.uuid4().hex[:8]
    cluster, name = "ws-cluster-" + tag, "ws-" + tag
    vpc = [v for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault")][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    group = ec2.create_security_group(GroupName="ws-" + tag, Description="websocket", VpcId=vpc)["GroupId"]
    if admit:
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    ecs.create_cluster(clusterName=cluster)
    definition = ecs.register_task_definition(family=name, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                              cpu="256", memory="512", containerDefinitions=[{
                                                  "name": "websocket", "image": "agenticai/websocket:latest",
                                                  "portMappings": [{"containerPort": port, "protocol": "tcp"}]}])
    arn = definition["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=arn, desiredCount=desired,
                       launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
                           "subnets": [subnet], "securityGroups": [group]}})
    try:
        yield {"cluster": cluster, "service": name, "security_group": group, "port": port}
    finally:
        ecs.delete_service(cluster=cluster, service=name, force=True)
        ecs.deregister_task_definition(taskDefinition=arn)
        ecs.delete_cluster(cluster=cluster)
        ec2.delete_security_group(GroupId=group)
