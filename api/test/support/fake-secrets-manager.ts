import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A loopback Secrets Manager speaking the AWS JSON 1.1 protocol for GetSecretValue: POST /
 * with `x-amz-target: secretsmanager.GetSecretValue` and `{"SecretId": ...}`; an unknown id
 * answers 400 `ResourceNotFoundException`, as the service documents. Secrets are keyed by ARN.
 */
export async function startFakeSecretsManager(secrets: Record<string, string>) {
  const requests: string[] = []
  const server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (raw += chunk))
    req.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers })
        res.end(JSON.stringify(body))
      }
      if (
        req.method !== 'POST' ||
        req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue'
      ) {
        send(
          400,
          { __type: 'UnknownOperationException' },
          {
            'x-amzn-ErrorType': 'UnknownOperationException',
          },
        )
        return
      }
      const { SecretId } = JSON.parse(raw) as { SecretId: string }
      requests.push(SecretId)
      const value = secrets[SecretId]
      if (value === undefined) {
        send(
          400,
          {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          },
          { 'x-amzn-ErrorType': 'ResourceNotFoundException' },
        )
        return
      }
      const name = SecretId.slice(SecretId.indexOf(':secret:') + ':secret:'.length)
      send(200, {
        ARN: SecretId,
        Name: name.replace(/-[A-Za-z0-9]{6}$/, ''),
        SecretString: value,
        VersionId: '00000000-0000-4000-8000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1700000000,
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** The app's `secretsManager` settings (and an SDK client's config) for this server. */
    settings: {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    },
    /** SecretIds asked for, in order. */
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export const secretArn = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`
