import { App } from 'aws-cdk-lib'
import { buildStacks } from '../lib/meme-studio.ts'

const app = new App()
buildStacks(app)
app.synth()
