# npm run bench: a large HCL configuration (6 AZs, 48 workload subnets, 384 instances by count: 509 resources) planned offline and verified.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" { region = "us-east-1" }
locals {
  azs = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]
  per_az = 8
  n = length(local.azs) * local.per_az
}
resource "aws_vpc" "main" {
  cidr_block                       = "10.0.0.0/16"
  assign_generated_ipv6_cidr_block = true
}
resource "aws_egress_only_internet_gateway" "eigw" { vpc_id = aws_vpc.main.id }
resource "aws_subnet" "proxy" {
  count             = length(local.azs)
  vpc_id            = aws_vpc.main.id
  availability_zone = local.azs[count.index]
  ipv6_native       = true
  enable_resource_name_dns_aaaa_record_on_launch = true
  ipv6_cidr_block   = cidrsubnet(aws_vpc.main.ipv6_cidr_block, 8, 200 + count.index)
  tags              = { "egress6:tier" = "proxy" }
}
resource "aws_security_group" "proxy" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    ipv6_cidr_blocks = [aws_vpc.main.ipv6_cidr_block]
  }
  egress {
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}
resource "aws_network_interface" "proxy" {
  count              = length(local.azs)
  subnet_id          = aws_subnet.proxy[count.index].id
  security_groups    = [aws_security_group.proxy.id]
  ipv6_address_count = 1
  tags               = { "egress6:role" = "proxy" }
}
resource "aws_route_table" "proxy" {
  vpc_id = aws_vpc.main.id
  route {
    ipv6_cidr_block        = "::/0"
    egress_only_gateway_id = aws_egress_only_internet_gateway.eigw.id
  }
}
resource "aws_route_table_association" "proxy" {
  count          = length(local.azs)
  subnet_id      = aws_subnet.proxy[count.index].id
  route_table_id = aws_route_table.proxy.id
}
resource "aws_subnet" "workload" {
  count             = local.n
  vpc_id            = aws_vpc.main.id
  availability_zone = local.azs[count.index % length(local.azs)]
  ipv6_native       = true
  enable_resource_name_dns_aaaa_record_on_launch = true
  ipv6_cidr_block   = cidrsubnet(aws_vpc.main.ipv6_cidr_block, 8, count.index)
  tags              = { "egress6:tier" = "workload" }
}
resource "aws_route_table" "workload" {
  count  = length(local.azs)
  vpc_id = aws_vpc.main.id
  route {
    ipv6_cidr_block      = "::/0"
    network_interface_id = aws_network_interface.proxy[count.index].id
  }
}
resource "aws_route_table_association" "workload" {
  count          = local.n
  subnet_id      = aws_subnet.workload[count.index].id
  route_table_id = aws_route_table.workload[count.index % length(local.azs)].id
}
resource "aws_security_group" "app" {
  vpc_id = aws_vpc.main.id
  egress {
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}
resource "aws_instance" "app" {
  count                  = local.n * 8
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.workload[count.index % local.n].id
  ipv6_address_count     = 1
  vpc_security_group_ids = [aws_security_group.app.id]
  tags                   = { "egress6:role" = "workload" }
}
