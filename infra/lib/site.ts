import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib'
import type { IRestApi } from 'aws-cdk-lib/aws-apigateway'
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager'
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront'
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { AaaaRecord, ARecord, RecordTarget, type IHostedZone } from 'aws-cdk-lib/aws-route53'
import { CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets'
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  type IBucket,
} from 'aws-cdk-lib/aws-s3'
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment'
import { Construct } from 'constructs'
import { IMAGE_QUERY_OPTIONS } from '../../meme-core/src/memegen-url.ts'
import { SHARE_IMAGE_PATH_PATTERN } from '../../api/src/entry-points.ts'
import {
  API_PATH_PATTERNS,
  FRAME_OPTIONS,
  REFERRER_POLICY,
  sitePolicy,
  STRICT_TRANSPORT_SECURITY,
} from '../../api/src/pages/security-headers.ts'

export interface SiteProps {
  /** The built SPA (`web/dist`): a directory with `index.html`. */
  siteAssets: string
  /** Where the browser uploads pictures and fetches presigned renders from. */
  uploadBucket: IBucket
  /** The API behind `/api/*` and `/m/*`, reached at its stage `apiStageName`. */
  restApi: IRestApi
  apiStageName: string
  /** A custom domain: CloudFront answers on it with `certificate` (us-east-1). */
  domain?: SiteDomainProps
}

export interface SiteDomainProps {
  /** The host name, e.g. `memes.example.com`. */
  name: string
  certificate: ICertificate
  /** The Route 53 zone holding `name`: A and AAAA alias records to the distribution go there. */
  hostedZone?: IHostedZone
}

/**
 * The files Vite fingerprints: `assets/` holds only names with a content hash
 * (`index-3f2a9c.js`), so a name never changes content and browsers may keep it for a year.
 * Everything else in the build (`index.html`, `favicon.svg` from `public/`) keeps its name
 * across builds and must be revalidated, or a browser would run last week's `index.html`
 * against chunks that are gone.
 * @see https://vite.dev/guide/build#public-base-path
 */
export const HASHED_ASSETS = 'assets/*'
export const cacheControl = {
  hashed: 'public, max-age=31536000, immutable',
  named: 'no-cache',
} as const

/** The member of a CDK string enum whose value is `value`; a value CloudFront lacks fails synth. */
function member<T extends string>(values: Record<string, T>, value: string): T {
  const found = Object.values(values).find((candidate) => candidate === value)
  if (found === undefined) throw new Error(`CloudFront has no header value "${value}"`)
  return found
}

/**
 * Client-side routes (`/admin`, `/admin/webhooks`, ...) have no file in the bucket: a request
 * whose last path segment has no extension gets `app.html`, and `/` gets `index.html`, the
 * editor's page, which also names the editor's chunks for the browser to fetch at once
 * (web/build/editor-page.ts). Done in a viewer-request function on the S3 behaviour only, so
 * the API's own 403 and 404 answers reach the client unchanged (distribution-wide error
 * responses would turn them into the SPA).
 */
const spaFallbackCode = `function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (request.uri === '/') request.uri = '/index.html';
  else if (last.indexOf('.') === -1) request.uri = '/app.html';
  return request;
}`

/**
 * The SPA in a private bucket behind CloudFront, with `/api/*` and `/m/*` sent to the API.
 *
 * The API's origin is built from the REST API's id and the stage's literal name, not from
 * the stage resource: the functions' `PUBLIC_ORIGIN` is the distribution's domain, the
 * distribution would otherwise wait on the stage, the stage on the methods and the methods on
 * the functions, and CloudFormation would refuse the cycle.
 */
export class Site extends Construct {
  readonly distribution: Distribution
  readonly bucket: IBucket

  constructor(scope: Construct, id: string, props: SiteProps) {
    super(scope, id)
    if (!existsSync(join(props.siteAssets, 'index.html'))) {
      throw new Error(
        `The web app is not built: ${props.siteAssets} has no index.html. ` +
          'Run `pnpm build` at the repository root first (or pass -c webDist=<dir>).',
      )
    }

    // CloudFront's standard logs need ACLs on the target bucket; S3 access logs go here too.
    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    })
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the log bucket of the distribution and the site bucket; logging it into ' +
        'itself would log every log delivery.',
    })

    // Holds only the public build output, so it goes with the stack: a deploy re-creates it.
    const siteBucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    })

    this.bucket = siteBucket
    const { uploadBucket } = props
    const storageOrigins = [
      `https://${uploadBucket.bucketRegionalDomainName}`,
      `https://${uploadBucket.bucketDomainName}`,
    ]
    // The values are the app's own (api/src/pages/security-headers.ts), which it sends itself
    // through @fastify/helmet: the same headers locally and here.
    const common = {
      strictTransportSecurity: {
        accessControlMaxAge: Duration.seconds(STRICT_TRANSPORT_SECURITY.maxAgeSeconds),
        includeSubdomains: STRICT_TRANSPORT_SECURITY.includeSubdomains,
        override: true,
      },
      // nosniff, the header's one value.
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: member(HeadersFrameOption, FRAME_OPTIONS), override: true },
      referrerPolicy: {
        referrerPolicy: member(HeadersReferrerPolicy, REFERRER_POLICY),
        override: true,
      },
    }
    const siteHeaders = new ResponseHeadersPolicy(this, 'SiteHeaders', {
      comment: 'meme-studio SPA: CSP, HSTS, nosniff, no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: sitePolicy(storageOrigins),
          override: true,
        },
        ...common,
      },
    })
    // The share pages send their own, narrower CSP (api/src/pages/share-page.ts): keep it.
    const apiHeaders = new ResponseHeadersPolicy(this, 'ApiHeaders', {
      comment: 'meme-studio API and share pages: HSTS, nosniff, no framing',
      securityHeadersBehavior: common,
    })

    const apiBehavior: BehaviorOptions = {
      origin: new HttpOrigin(
        `${props.restApi.restApiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`,
        { originPath: `/${props.apiStageName}` },
      ),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // API Gateway routes on its own Host header; everything else (x-api-key, query) goes on.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: apiHeaders,
    }

    // Memes by URL are the same bytes for ever under their URL (the template's version is in
    // it): cached at the edge for as long as the API's Cache-Control says, keyed on the path
    // and the options that change the image, never on cookies or headers.
    const urlImages = new CachePolicy(this, 'UrlImages', {
      comment: 'meme-studio memes by URL: the path and the image options',
      queryStringBehavior: CacheQueryStringBehavior.allowList(...IMAGE_QUERY_OPTIONS),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
    })
    const urlImageBehavior: BehaviorOptions = {
      ...apiBehavior,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: urlImages,
    }

    // A share's image never changes under its URL either (a new share is a new id), so link
    // previews that fetch it long after the page are answered at the edge; the path alone is
    // the key.
    const shareImages = new CachePolicy(this, 'ShareImages', {
      comment: "meme-studio shares' images: the path alone",
      queryStringBehavior: CacheQueryStringBehavior.none(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
    })
    const shareImageBehavior: BehaviorOptions = {
      ...apiBehavior,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: shareImages,
    }

    const { domain } = props
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'meme-studio',
      ...(domain
        ? {
            domainNames: [domain.name],
            certificate: domain.certificate,
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(siteBucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        compress: true,
        responseHeadersPolicy: siteHeaders,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new CloudFrontFunction(this, 'SpaFallback', {
              comment: 'Serve index.html for client-side routes',
              runtime: FunctionRuntime.JS_2_0,
              code: FunctionCode.fromInline(spaFallbackCode),
            }),
          },
        ],
      },
      // Before /api/*: CloudFront takes the first pattern that matches.
      additionalBehaviors: {
        '/api/images/*': urlImageBehavior,
        [SHARE_IMAGE_PATH_PATTERN]: shareImageBehavior,
        ...Object.fromEntries(API_PATH_PATTERNS.map((path) => [path, apiBehavior])),
      },
    })
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The studio is for anyone anywhere; there is no country to keep out.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF web ACL: it costs a fixed monthly fee per ACL and rule. The API it fronts is ' +
          'throttled by API Gateway (stage throttling and per-key usage plans), uploads are ' +
          'bounded by the signed POST policy, and renders by the app’s memory admission.',
      },
    )
    if (!domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution serves the default *.cloudfront.net ' +
          'certificate, whose minimum TLS version CloudFront fixes; with -c domainName the ' +
          'distribution has its own certificate and TLSv1.2_2021.',
      })
    }
    if (domain?.hostedZone) {
      const target = RecordTarget.fromAlias(new CloudFrontTarget(this.distribution))
      const record = { zone: domain.hostedZone, recordName: domain.name, target }
      new ARecord(this, 'AliasIpv4', record)
      new AaaaRecord(this, 'AliasIpv6', record)
    }

    this.deploy(props.siteAssets, siteBucket)
  }

  /**
   * Uploads the build in two passes, each with its own Cache-Control: the hashed assets first,
   * then the named files that point at them, so a new `index.html` never names a chunk that is
   * not there yet. Old hashed assets are kept (no prune): a page loaded before the deploy still
   * fetches its lazy chunks by their old names. The invalidation comes with the named files.
   */
  private deploy(siteAssets: string, bucket: IBucket): void {
    // One copier function serves both deployments; its logs are kept a month.
    const logGroup = new LogGroup(this, 'SiteDeploymentLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    // The build's Brotli and gzip copies are for the local server; CloudFront compresses by
    // itself (every behaviour has `Compress`), so they stay out of the bucket.
    const source = Source.asset(siteAssets, { exclude: ['*.br', '*.gz'] })
    const hashed = new BucketDeployment(this, 'HashedAssets', {
      sources: [source],
      destinationBucket: bucket,
      exclude: ['*'],
      include: [HASHED_ASSETS],
      prune: false,
      cacheControl: [CacheControl.fromString(cacheControl.hashed)],
      memoryLimit: 512,
      logGroup,
    })
    const named = new BucketDeployment(this, 'NamedFiles', {
      sources: [source],
      destinationBucket: bucket,
      exclude: [HASHED_ASSETS],
      cacheControl: [CacheControl.fromString(cacheControl.named)],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
      logGroup,
    })
    named.node.addDependency(hashed)
  }
}
