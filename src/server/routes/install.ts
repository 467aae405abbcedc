import { Hono } from 'hono';
import { InstallPlatform, type InstallSettings, type InstallTemplate, installPlatforms, templateCommand } from '../../contract';
import { publicUrlOf, type ServerConfig } from '../config';
import { type AppEnv, guard } from '../http';
import { notFound } from '../problem';

/** `GET /api/v1/install/{platform}`: what an install command needs and the command with blanks, never the key. */
export function installRoutes(config: ServerConfig) {
  const r = new Hono<AppEnv>();
  r.get('/:platform', guard(config, 'viewer'), (c) => {
    const platform = InstallPlatform.safeParse(c.req.param('platform'));
    if (!platform.success) throw notFound(`No install template for that platform; try ${installPlatforms.join(', ')}.`);
    const settings: InstallSettings = {
      serverUrl: publicUrlOf(config),
      runnerVersion: config.runnerVersion,
      runnerImage: config.runnerImage,
      helmChart: config.helmChart,
      cfnTemplateUrl: config.cfnTemplateUrl,
    };
    const template: InstallTemplate = { platform: platform.data, ...settings, command: templateCommand(platform.data, settings) };
    return c.json(template);
  });
  return r;
}
