/**
 * Availability-zone names per supported region.
 *
 * Source: AWS "Regions and Availability Zones" documentation and `aws ec2 describe-availability-zones
 * --all-availability-zones` as published; checked 2026-11-29. Zone *letters* are the names AWS
 * offers to new accounts (ca-central-1 has no `c`, ap-northeast-1 offers no `b` to new accounts).
 */
export const CATALOG_DATE = '2026-11-29';

export const REGION_AZ_LETTERS: Readonly<Record<string, readonly string[]>> = {
  'us-east-1': ['a', 'b', 'c', 'd', 'e', 'f'],
  'us-east-2': ['a', 'b', 'c'],
  'us-west-2': ['a', 'b', 'c', 'd'],
  'ca-central-1': ['a', 'b', 'd'],
  'eu-west-1': ['a', 'b', 'c'],
  'eu-west-2': ['a', 'b', 'c'],
  'eu-west-3': ['a', 'b', 'c'],
  'eu-central-1': ['a', 'b', 'c'],
  'eu-north-1': ['a', 'b', 'c'],
  'ap-southeast-1': ['a', 'b', 'c'],
  'ap-southeast-2': ['a', 'b', 'c'],
  'ap-northeast-1': ['a', 'c', 'd'],
  'ap-northeast-2': ['a', 'b', 'c', 'd'],
  'ap-south-1': ['a', 'b', 'c'],
  'sa-east-1': ['a', 'b', 'c'],
};

/** The AZ names a region offers (`eu-west-1a`, …), or undefined for a region not in the table. */
export function availabilityZonesOf(region: string): readonly string[] | undefined {
  return REGION_AZ_LETTERS[region]?.map((letter) => `${region}${letter}`);
}
