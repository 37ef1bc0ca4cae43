// The part of npm's s3rver (no bundled types) that startS3Server uses.
declare module "s3rver" {
  import type { Server } from "node:http";
  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    vhostBuckets?: boolean;
    key?: string | Buffer;
    cert?: string | Buffer;
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    httpServer: Server;
    run(): Promise<unknown>;
    close(): Promise<void>;
  }
}
