import { Template, Match } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from './app-fixture.ts'

describe('pipeline', () => {
  it('is not built without the context flag', () => {
    const { app, pipeline } = buildTestApp()
    expect(pipeline).toBeUndefined()
    expect(app.node.tryFindChild('MemeStudioPipeline')).toBeUndefined()
  })

  describe('with -c pipeline=true', () => {
    const sourceKey = 'octo/memes/main.zip'
    const { pipeline } = buildTestApp({ pipeline: 'true', pipelineSourceKey: sourceKey })
    if (!pipeline) throw new Error('no pipeline stack')
    const template = Template.fromStack(pipeline)

    it('takes the archive from the bucket the webhook writes, then builds it', () => {
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
        PipelineType: 'V2',
        Stages: [
          {
            Name: 'Source',
            Actions: [
              Match.objectLike({
                ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'S3', Version: '1' },
                Configuration: {
                  S3Bucket: { 'Fn::ImportValue': Match.stringLikeRegexp('Archives') },
                  S3ObjectKey: sourceKey,
                  PollForSourceChanges: false,
                },
              }),
            ],
          },
          {
            Name: 'Build',
            Actions: [
              Match.objectLike({
                ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild' },
              }),
            ],
          },
        ],
      })
    })

    it('runs the buildspec from the repository, with encrypted artifacts', () => {
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Source: { Type: 'CODEPIPELINE', BuildSpec: 'buildspec.yml' },
        EncryptionKey: Match.anyValue(),
      })
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true })
    })

    it('starts when that archive is written (S3 → EventBridge, no polling, no trail)', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: {
            bucket: { name: [{ 'Fn::ImportValue': Match.stringLikeRegexp('Archives') }] },
            object: { key: [sourceKey] },
          },
        },
        Targets: [Match.objectLike({ Arn: Match.anyValue(), RoleArn: Match.anyValue() })],
      })
      template.resourceCountIs('AWS::CloudTrail::Trail', 0)
    })

    it('may read only that archive key from the archive bucket', () => {
      const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'))
      const archiveResources = [
        ...policies.matchAll(/"Fn::ImportValue":"[^"]*Archives[^"]*Arn[^"]*"\},"([^"]*)"/g),
      ].map((match) => match[1])
      expect(archiveResources.length).toBeGreaterThan(0)
      for (const suffix of archiveResources) expect(suffix).toBe(`/${sourceKey}`)
    })
  })
})
