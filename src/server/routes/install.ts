import { Hono } from 'hono';
import { InstallPlatform, type InstallTemplate, installPlatforms } from '../../contract';
import type { ServerConfig } from '../config';
import { type AppEnv, guard } from '../http';
import { notFound } from '../problem';

/** `GET /api/v1/install/{platform}`: what an install command needs, never the key. */
export function installRoutes(config: ServerConfig) {
  const r = new Hono<AppEnv>();
  r.get('/:platform', guard(config, 'viewer'), (c) => {
    const platform = InstallPlatform.safeParse(c.req.param('platform'));
    if (!platform.success) throw notFound(`No install template for that platform; try ${installPlatforms.join(', ')}.`);
    const template: InstallTemplate = {
      platform: platform.data,
      serverUrl: config.publicUrl || new URL(c.req.url).origin,
      runnerVersion: config.runnerVersion,
      runnerImage: config.runnerImage,
      helmChart: config.helmChart,
      cfnTemplateUrl: config.cfnTemplateUrl,
    };
    return c.json(template);
  });
  return r;
}
